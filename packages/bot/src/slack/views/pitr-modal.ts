import type { ModalView } from '@slack/types';
import type { PitrOffer } from '../../operations/pitr-offer.js';
import { typedTimeOf } from '../../runbooks/pitr-choice.js';
import { ActionId, BlockId, CallbackId } from '../ids.js';
import { clip, context, escapeText, Limits, section } from './kit.js';
import type { ReplyPlace } from './modals.js';

/** What the modal carries to its submission: where the answer goes and whose incident it restores for. */
export interface PitrMeta extends ReplyPlace {
  incidentId: string;
}

const plain = (text: string, max: number = Limits.viewTitle) => ({
  type: 'plain_text' as const,
  text: clip(text, max),
});

/** An ISO time as the modal shows it and the field takes it back: `2026-11-27 16:59:59`. */
const utc = (iso: string) => typedTimeOf(new Date(iso).toISOString());

const WHAT_HAPPENS =
  'The *whole cluster* rewinds to that second: every write after it is lost (the WAL archive keeps it). ' +
  'A safety step runs first (the current WAL is archived before anything stops), and a second ' +
  'lead_operator approves by typing the time.';

/**
 * Point-in-time restore for an incident: the db host's recoverable window as read now, and the
 * target proposed from the incident (its detection minus the margin) prefilled and editable.
 * Submitting runs pitr-restore in the incident's thread with that target. When the window cannot
 * be read, or holds no base backup, the modal says so and has nothing to submit.
 */
export function pitrModal(offer: PitrOffer, place: ReplyPlace): ModalView {
  const meta: PitrMeta = { ...place, incidentId: offer.incident.id };
  const base = {
    type: 'modal' as const,
    callback_id: CallbackId.pitrModal,
    private_metadata: JSON.stringify(meta),
    title: plain('Point-in-time restore'),
    close: plain('Cancel'),
  };
  const what = `Rewinds the database for *${escapeText(offer.incident.title)}*, in its thread.`;
  const { window } = offer;
  if (window === null || window.from === null || window.to === null) {
    const why =
      window === null
        ? `Could not read the recoverable window on \`${escapeText(offer.host ?? 'the db host')}\`: ` +
          `${escapeText(offer.error ?? 'no answer')}.`
        : `\`${escapeText(offer.host ?? '?')}\` holds no base backup yet: nothing is recoverable.`;
    return {
      ...base,
      blocks: [section(what), section(`:warning: ${why} Nothing can be started from here; Run recovery still can.`)],
    };
  }
  const detected = utc(offer.incident.openedAt.toISOString());
  return {
    ...base,
    submit: plain('Restore to this time'),
    blocks: [
      section(what),
      section(
        `*Recoverable window* on \`${escapeText(offer.host ?? '?')}\` (UTC): ` +
          `${utc(window.from)} .. ${utc(window.to)}`,
      ),
      {
        type: 'input',
        block_id: BlockId.pitrTarget,
        label: plain('Restore to (UTC)', 2000),
        hint: plain(
          `Proposed: the detection time ${detected} minus ${offer.marginSeconds} s. ` +
            'Edit it if the damage began earlier. 2026-11-27 16:59:59 or 2026-11-27T16:59:59Z.',
          2000,
        ),
        element: {
          type: 'plain_text_input',
          action_id: ActionId.pitrTarget,
          initial_value: typedTimeOf(offer.proposed),
          max_length: 40,
        },
      },
      section(WHAT_HAPPENS),
      context('A target outside the window is refused in the thread before anyone is asked to approve it.'),
    ],
  };
}
