import { randomUUID } from 'node:crypto';
import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { slackOrigin, type SlackContext } from '../context.js';
import { ActionId, CallbackId } from '../ids.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { clip } from '../views/kit.js';
import { noticeModal } from '../views/modals.js';
import { beginButton, type ButtonArgs } from './button-request.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The buttons a listener of its own handles; the rest reach onUnknownAction. */
const BUTTONS: ReadonlySet<string> = new Set([
  ActionId.approve,
  ActionId.deny,
  ActionId.breakGlass,
  ActionId.reviewBreakGlass,
  ActionId.confirmStep,
  ActionId.skipStep,
  ActionId.cutShort,
  ActionId.cancelRun,
  ActionId.ackIncident,
  ActionId.runRecovery,
  ActionId.runRecoveryPickDump,
  ActionId.pitrRestore,
  ActionId.openChecklist,
  ActionId.resolveIncident,
  ActionId.rootCause,
  ActionId.homeChecklist,
  ActionId.homeBackup,
  ActionId.homeRestart,
]);

/** Inputs inside modals: read on submission, and an interaction from one needs only its ack. */
const INPUTS: ReadonlySet<string> = new Set([
  ActionId.tagSelect,
  ActionId.pitrTarget,
  ActionId.serviceSelect,
  ActionId.hostSelect,
  ActionId.typedName,
  ActionId.rootCauseText,
  ActionId.followUpsText,
  ActionId.breakGlassReason,
  ActionId.breakGlassTarget,
  ActionId.reviewNote,
]);

const SUBMISSIONS: ReadonlySet<string> = new Set([
  CallbackId.rollbackModal,
  CallbackId.restoreModal,
  CallbackId.recoveryDumpModal,
  CallbackId.pitrModal,
  CallbackId.serviceModal,
  CallbackId.confirmApprovalModal,
  CallbackId.rootCauseModal,
  CallbackId.breakGlassModal,
  CallbackId.reviewBreakGlassModal,
]);

export const NO_LONGER_VALID =
  ':hourglass: This button is no longer valid: it belongs to an older version of this message. ' +
  'Nothing was done. `/recio help` lists what you can do now.';

/**
 * A click no listener of ours takes: a button from a message an older bot posted, or one whose
 * id was retired. Bolt would leave it unacknowledged and Slack would show the person an error
 * after 3 s; it is acked at once instead, the person is told privately, and the audit log
 * records the attempt. Bolt runs every listener that matches, so this one lets ours pass.
 */
export async function onUnknownAction(ctx: SlackContext, args: ActionArgs): Promise<void> {
  const { action } = args;
  const id = 'action_id' in action ? action.action_id : '';
  if (BUTTONS.has(id)) return;
  // A link button still sends its click; the browser has done what it was for.
  if (INPUTS.has(id) || (action.type === 'button' && 'url' in action && action.url)) {
    await args.ack();
    return;
  }
  const request = await beginButton(ctx, args as unknown as ButtonArgs);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    request.log.info({ actionId: clip(id, 100) }, 'a click on a button that is no longer valid');
    await ctx.ops.auditRefusal(request.user, 'button', 'unknown_button', request.origin, {
      action_id: clip(id, 100),
      ...(request.value ? { value: clip(request.value, 100) } : {}),
    });
    await request.reply.private(renderText(NO_LONGER_VALID));
  });
}

/**
 * A modal submitted that no listener of ours takes (a form an older bot opened): the ack turns it
 * into a notice at once — acked with nothing, Slack would close it silently; not acked, it shows
 * an error — and the attempt is audited.
 */
export async function onUnknownSubmission(ctx: SlackContext, args: SubmitArgs): Promise<void> {
  const callbackId = args.view.callback_id;
  if (SUBMISSIONS.has(callbackId)) return;
  await args.ack({
    response_action: 'update',
    view: noticeModal(
      'recio',
      ':hourglass: This form is no longer valid. Nothing was done; start again from `/recio`.',
    ),
  });
  const log = ctx.logger.child({ user: args.body.user.id, view: clip(callbackId, 100) });
  await ctx.ops
    .auditRefusal(
      args.body.user.id,
      'view',
      'unknown_form',
      slackOrigin({ deliveryKey: `view:${args.view.id}`, requestId: randomUUID() }),
      { callback_id: clip(callbackId, 100) },
    )
    .catch((error: unknown) => log.error({ err: error }, 'could not audit an unknown form'));
}
