import type { InputBlock, ModalView, PlainTextOption } from '@slack/types';
import { dumpLabel } from '../../operations/dump-lines.js';
import type { DumpChoice } from '../../operations/restore-requests.js';
import { ActionId, BlockId, CallbackId } from '../ids.js';
import { clip, context, escapeText, Limits, section } from './kit.js';
import type { ReplyPlace } from './modals.js';

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(text, max) });

function option(dump: DumpChoice, now: number): PlainTextOption {
  return { text: plain(dumpLabel(dump, now), Limits.optionText), value: dump.file };
}

/**
 * The dump select both pickers share: one line per dump (time UTC, age, size, where, restore
 * test), newest first, starting on the newest local dump whose restore test did not fail.
 */
export function dumpSelect(
  dumps: readonly DumpChoice[],
  now: number,
): { block: InputBlock; local: number; offsiteOnly: number } {
  const listed = dumps.slice(0, Limits.optionsPerSelect);
  const preselect = listed.find((d) => d.where === 'local' && d.tested?.ok !== false) ?? listed[0];
  const offsiteOnly = listed.filter((d) => d.where === 'offsite').length;
  const block: InputBlock = {
    type: 'input',
    block_id: BlockId.dump,
    label: plain('Dump (time UTC · age · size · where · restore test)', 2000),
    element: {
      type: 'static_select',
      action_id: ActionId.dumpSelect,
      options: listed.map((d) => option(d, now)),
      ...(preselect ? { initial_option: option(preselect, now) } : {}),
    },
  };
  return { block, local: listed.length - offsiteOnly, offsiteOnly };
}

/**
 * The restore picker: every dump the db host can restore, local and offsite only, newest first,
 * each with its time, age, size, where it is and whether a restore test loaded it. Submitting only
 * asks: the host then looks into the dump (hash, rows it rewinds) and a second person approves.
 */
export function restoreModal(
  host: string,
  dumps: readonly DumpChoice[],
  place: ReplyPlace,
  warning?: string,
  now = Date.now(),
): ModalView {
  const { block, local, offsiteOnly } = dumpSelect(dumps, now);
  return {
    type: 'modal',
    callback_id: CallbackId.restoreModal,
    private_metadata: JSON.stringify(place),
    title: plain('Restore a dump', Limits.viewTitle),
    submit: plain('Ask for approval', Limits.viewTitle),
    close: plain('Cancel', Limits.viewTitle),
    blocks: [
      section(
        `Dumps on \`${escapeText(host)}\`: ${local} local, ${offsiteOnly} only offsite. ` +
          'A second lead_operator approves after seeing the exact file and what it rewinds.',
      ),
      block,
      {
        type: 'input',
        block_id: BlockId.tables,
        optional: true,
        label: plain('Only these tables (empty: the whole database)', 2000),
        element: {
          type: 'plain_text_input',
          action_id: ActionId.tablesInput,
          max_length: 2000,
          placeholder: plain('trades_snapshot positions', 150),
        },
      },
      ...(warning === undefined ? [] : [context(`:warning: ${escapeText(warning)}`)]),
      context(
        'An offsite-only dump is fetched back and checked against its recorded SHA-256 before approval is asked. ' +
          'The whole database rewinds every table to the dump; only some tables keeps the rest as they are.',
      ),
    ],
  };
}
