import type { ModalView } from '@slack/types';
import { MIN_BREAK_GLASS_TEXT, NEEDS_REVIEW, type BreakGlass } from '../../domain/index.js';
import { ActionId, BlockId, CallbackId } from '../ids.js';
import { actions, button, clip, context, escapeText, fallbackText, section, slackTime, type Block } from './kit.js';
import { type ReplyPlace, type StepModalInput, typedTargetInput } from './modals.js';

function who(id: string | null): string {
  if (id === null) return 'someone';
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : `\`${escapeText(id)}\``;
}

/**
 * The mark a run message, an incident's parent and the Home carry: "needs review" while any break
 * is unreviewed, who reviewed once all are. Undefined: nothing was broken.
 */
export function breakGlassMark(records: readonly BreakGlass[]): string | undefined {
  if (records.length === 0) return undefined;
  const open = records.filter((r) => r.reviewedAt === null);
  if (open.length > 0) {
    const by = [...new Set(open.map((r) => who(r.brokenBy)))].join(', ');
    return `:rotating_light: *${NEEDS_REVIEW}* — run without a second lead_operator by ${by}`;
  }
  const reviewers = [...new Set(records.map((r) => who(r.reviewedBy)))].join(', ');
  return `:white_check_mark: break-glass — reviewed by ${reviewers}`;
}

/**
 * The break's own message in the thread: who, why, and — while unreviewed — the mentions and
 * Review; once reviewed, who reviewed and their note, and no button.
 */
export function renderBreakGlassPost(record: BreakGlass, mentions: string): { text: string; blocks: Block[] } {
  const why =
    `*Reason:* ${escapeText(clip(record.reason, 1_000))}\n` + `*Typed target:* \`${escapeText(record.typedTarget)}\``;
  const lead =
    `${who(record.brokenBy)} broke the glass at ${slackTime(record.brokenAt)}: ` +
    'the step ran without a second lead_operator.';
  if (record.reviewedAt !== null) {
    return {
      text: fallbackText(`Break-glass reviewed by ${record.reviewedBy}`),
      blocks: [
        section(
          `:white_check_mark: *Break-glass — reviewed* by ${who(record.reviewedBy)} ` +
            `at ${slackTime(record.reviewedAt)}.`,
        ),
        section(`${lead}\n${why}`),
        section(`*Review note:* ${escapeText(clip(record.reviewNote ?? '', 1_000))}`),
      ],
    };
  }
  const to = mentions === '' ? '_RECIO_SECURITY_OFFICERS is empty: nobody was mentioned._' : mentions;
  return {
    text: fallbackText(`${mentions} Break-glass by ${record.brokenBy} — needs review`),
    blocks: [
      section(`:rotating_light: *${NEEDS_REVIEW}* · ${to}`),
      section(`${lead}\n${why}`),
      context('A security_officer or another lead_operator reviews it with a note; the breaker cannot.'),
      actions(BlockId.breakGlassActions, [button('Review', ActionId.reviewBreakGlass, record.id, 'primary')]),
    ],
  };
}

/** The break-glass modal: a written reason and the typed target; the approval id rides in the metadata. */
export function breakGlassModal(input: StepModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.breakGlassModal,
    private_metadata: JSON.stringify({ ...input.place, approvalId: input.approvalId }),
    title: { type: 'plain_text', text: 'Break glass' },
    submit: { type: 'plain_text', text: 'Break glass and run' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `:rotating_light: You are about to run *${escapeText(input.stepTitle)}* — ` +
          `\`${escapeText(input.action)}\` on \`${escapeText(input.host)}\` — without a second lead_operator. ` +
          'The security officers are mentioned at once, and the run, the incident and its report stay marked ' +
          `"${NEEDS_REVIEW}" until someone else reviews it.`,
      ),
      {
        type: 'input',
        block_id: BlockId.breakGlassReason,
        label: { type: 'plain_text', text: 'Why can this not wait for a second lead_operator?' },
        hint: { type: 'plain_text', text: `At least ${MIN_BREAK_GLASS_TEXT} characters; the reviewers read it.` },
        element: {
          type: 'plain_text_input',
          action_id: ActionId.breakGlassReason,
          multiline: true,
          min_length: 1,
          max_length: 1_000,
        },
      },
      typedTargetInput(BlockId.breakGlassTarget, ActionId.breakGlassTarget, input),
    ],
  };
}

/** The review's modal: what was broken and why, and the reviewer's note. */
export function reviewBreakGlassModal(record: BreakGlass, stepTitle: string, place: ReplyPlace): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.reviewBreakGlassModal,
    private_metadata: JSON.stringify({ ...place, breakGlassId: record.id }),
    title: { type: 'plain_text', text: 'Review break-glass' },
    submit: { type: 'plain_text', text: 'Record review' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `${who(record.brokenBy)} ran *${escapeText(clip(stepTitle, 200))}* alone at ${slackTime(record.brokenAt)}.\n` +
          `*Reason:* ${escapeText(clip(record.reason, 1_000))}`,
      ),
      {
        type: 'input',
        block_id: BlockId.reviewNote,
        label: { type: 'plain_text', text: 'Your review: what you checked, and whether it was justified' },
        hint: { type: 'plain_text', text: `At least ${MIN_BREAK_GLASS_TEXT} characters.` },
        element: {
          type: 'plain_text_input',
          action_id: ActionId.reviewNote,
          multiline: true,
          min_length: 1,
          max_length: 1_000,
        },
      },
    ],
  };
}
