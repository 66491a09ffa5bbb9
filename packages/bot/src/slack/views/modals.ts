import type { ModalView, PlainTextOption } from '@slack/types';
import { ActionId, BlockId, CallbackId } from '../ids.js';
import { clip, context, escapeText, Limits, section } from './kit.js';

/**
 * Modals. `private_metadata` carries where the answer goes (channel, thread) and, for the
 * approval confirmation, the approval's opaque id — never what will run: that is read back from
 * the store on submission.
 */
export interface ReplyPlace {
  channel: string;
  threadTs?: string;
  /** Opened from the App Home: the answer goes back there. */
  home?: boolean;
}

const title = (text: string) => ({ type: 'plain_text' as const, text: clip(text, Limits.viewTitle) });

function option(value: string, label = value): PlainTextOption {
  return { text: { type: 'plain_text', text: clip(label, Limits.optionText) }, value: clip(value, Limits.optionValue) };
}

/** What opens at once (a trigger id lives 3 s) while the slow part — asking a host — runs. */
export function loadingModal(heading: string, what: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.noticeModal,
    title: title(heading),
    close: title('Close'),
    blocks: [section(`:hourglass_flowing_sand: ${escapeText(what)}`)],
  };
}

/** A modal that only tells: a refusal, or why the picker could not be filled. */
export function noticeModal(heading: string, mrkdwn: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.noticeModal,
    title: title(heading),
    close: title('Close'),
    blocks: [section(mrkdwn)],
  };
}

/**
 * The rollback picker: release tags newest first, the one before the current preselected (the
 * usual "last known good"). Submitting asks for the rollback; a second person still approves it.
 */
export function rollbackModal(tags: readonly string[], current: string | null, place: ReplyPlace): ModalView {
  const listed = tags.slice(0, Limits.optionsPerSelect);
  const currentAt = current === null ? -1 : listed.indexOf(current);
  const previous = currentAt >= 0 ? listed[currentAt + 1] : listed.find((t) => t !== current);
  return {
    type: 'modal',
    callback_id: CallbackId.rollbackModal,
    private_metadata: JSON.stringify(place),
    title: title('Roll back'),
    submit: title('Ask for approval'),
    close: title('Cancel'),
    blocks: [
      section(
        `Checked out now: ${current ? `\`${escapeText(current)}\`` : '_no release tag_'}. ` +
          'Pick the release to roll back to; a second lead_operator must approve before anything runs.',
      ),
      {
        type: 'input',
        block_id: BlockId.tag,
        label: { type: 'plain_text', text: 'Release tag' },
        element: {
          type: 'static_select',
          action_id: ActionId.tagSelect,
          options: listed.map((t) => option(t, t === current ? `${t} (current)` : t)),
          ...(previous ? { initial_option: option(previous, previous) } : {}),
        },
      },
    ],
  };
}

/** `/recio restart` without a service: the services to pick from. */
export function serviceModal(
  verb: 'restart' | 'start' | 'stop',
  services: readonly string[],
  place: ReplyPlace,
  appHosts: readonly string[] = [],
): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.serviceModal,
    private_metadata: JSON.stringify({ ...place, verb }),
    title: title(`${verb[0]!.toUpperCase()}${verb.slice(1)} a service`),
    submit: title(verb[0]!.toUpperCase() + verb.slice(1)),
    close: title('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: BlockId.service,
        label: { type: 'plain_text', text: 'Service' },
        element: {
          type: 'static_select',
          action_id: ActionId.serviceSelect,
          options: services.slice(0, Limits.optionsPerSelect).map((s) => option(s)),
        },
      },
      // With one app host there is nothing to choose; with several the command needs `on <host>`.
      ...(appHosts.length > 1
        ? [
            {
              type: 'input' as const,
              block_id: BlockId.host,
              label: { type: 'plain_text' as const, text: 'On host' },
              element: {
                type: 'static_select' as const,
                action_id: ActionId.hostSelect,
                options: appHosts.slice(0, Limits.optionsPerSelect).map((h) => option(h)),
              },
            },
          ]
        : []),
    ],
  };
}

/** What a modal about one approval's step needs: where the answer goes, the step, and the name to type. */
export interface StepModalInput {
  approvalId: string;
  place: ReplyPlace;
  stepTitle: string;
  action: string;
  host: string;
  expected: string;
  targetKind: string;
}

/** The field where the step's target is typed (the tag, the backup file, the database host). */
export function typedTargetInput(
  blockId: string,
  actionId: string,
  input: Pick<StepModalInput, 'expected' | 'targetKind'>,
) {
  return {
    type: 'input' as const,
    block_id: blockId,
    label: { type: 'plain_text' as const, text: clip(`Type ${input.targetKind} to confirm`, 2000) },
    hint: { type: 'plain_text' as const, text: clip(`Type exactly: ${input.expected}`, 2000) },
    element: {
      type: 'plain_text_input' as const,
      action_id: actionId,
      placeholder: { type: 'plain_text' as const, text: clip(input.expected, 150) },
    },
  };
}

/**
 * Before a destructive approval is recorded, the approver types the target's name (the tag, the
 * backup file, the database host): a click alone is too easy to make on the wrong message.
 */
export function confirmApprovalModal(input: StepModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackId.confirmApprovalModal,
    private_metadata: JSON.stringify({ ...input.place, approvalId: input.approvalId }),
    title: title('Confirm approval'),
    submit: title('Approve'),
    close: title('Cancel'),
    blocks: [
      section(
        `:warning: You are approving *${escapeText(input.stepTitle)}*: ` +
          `\`${escapeText(input.action)}\` on \`${escapeText(input.host)}\`. This cannot be undone from Slack.`,
      ),
      typedTargetInput(BlockId.typedName, ActionId.typedName, input),
      context('Nothing is recorded until the name matches.'),
    ],
  };
}

/** The system_architect's part of the report: root cause and follow-ups, prefilled with what is there. */
export function rootCauseModal(
  incidentId: string,
  incidentTitle: string,
  existing: { rootCause: string | null; followUps: string | null },
  place: ReplyPlace,
): ModalView {
  const field = (blockId: string, actionId: string, label: string, initial: string | null) => ({
    type: 'input' as const,
    block_id: blockId,
    label: { type: 'plain_text' as const, text: label },
    element: {
      type: 'plain_text_input' as const,
      action_id: actionId,
      multiline: true,
      max_length: 3000,
      ...(initial ? { initial_value: clip(initial, 3000) } : {}),
    },
  });
  return {
    type: 'modal',
    callback_id: CallbackId.rootCauseModal,
    private_metadata: JSON.stringify({ ...place, incidentId }),
    title: title('Root cause'),
    submit: title('Save to the report'),
    close: title('Cancel'),
    blocks: [
      section(`*${escapeText(clip(incidentTitle, 200))}*`),
      field(BlockId.rootCause, ActionId.rootCauseText, 'Root cause', existing.rootCause),
      field(BlockId.followUps, ActionId.followUpsText, 'Follow-ups', existing.followUps),
    ],
  };
}
