import type { ModalView } from '@slack/types';
import type { Answer } from '../../operations/types.js';
import { CallbackId } from '../ids.js';
import { clip, context, escapeText, Limits, section } from './kit.js';
import type { ReplyPlace } from './modals.js';
import { dumpSelect } from './restore-modal.js';

/** What the picker carries to its submission: where the answer goes and whose recovery it runs. */
export interface RecoveryMeta extends ReplyPlace {
  incidentId: string;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text: clip(text, Limits.viewTitle) });

const USED_ONLY_IF =
  "The dump is used only if the runbook's `\\dt` check finds tables missing, and then only those tables are " +
  'restored (every other table keeps its rows). A second lead_operator approves after seeing the exact file: ' +
  'its name, size, SHA-256 and the rows it rewinds.';

/**
 * Run recovery for an incident whose runbook restores a dump: the same dump lines as `/recio
 * restore` (time, age, size, where, restore test; the newest local tested one preselected), and
 * what the pick means. Submitting runs the recovery with that file bound to its restore step.
 * With nothing to list, it still runs the recovery: the restore then binds the newest dump.
 */
export function recoveryDumpModal(
  incident: { id: string; title: string },
  listing: Extract<Answer, { type: 'choose_dump' }>,
  place: ReplyPlace,
  now = Date.now(),
): ModalView {
  const meta: RecoveryMeta = { ...place, incidentId: incident.id };
  const what = `Runs *${escapeText(incident.title)}*'s runbook in its thread.`;
  const base = {
    type: 'modal' as const,
    callback_id: CallbackId.recoveryDumpModal,
    private_metadata: JSON.stringify(meta),
    title: plain('Run recovery'),
    submit: plain('Run recovery'),
    close: plain('Cancel'),
  };
  if (listing.dumps.length === 0) {
    const why =
      listing.host === null || listing.error !== undefined
        ? `Could not list the dumps: ${escapeText(listing.error ?? 'no db host')}.`
        : `\`${escapeText(listing.host)}\` has no dump, local or offsite.`;
    return {
      ...base,
      blocks: [
        section(what),
        section(
          `:warning: ${why} Run recovery still runs the runbook; if its \`\\dt\` check finds tables missing, ` +
            'the restore binds the newest dump with a recorded hash when its approval is asked.',
        ),
      ],
    };
  }
  const { block, local, offsiteOnly } = dumpSelect(listing.dumps, now);
  return {
    ...base,
    blocks: [
      section(`${what} Dumps on \`${escapeText(listing.host ?? '?')}\`: ${local} local, ${offsiteOnly} only offsite.`),
      block,
      section(USED_ONLY_IF),
      ...(listing.error === undefined ? [] : [context(`:warning: ${escapeText(listing.error)}`)]),
      context(
        'An offsite-only dump is fetched back and checked against its recorded SHA-256 before approval is asked.',
      ),
    ],
  };
}
