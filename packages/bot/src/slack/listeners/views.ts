import type { App, ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import type { SlackContext } from '../context.js';
import { onBreakGlassSubmit, onReviewBreakGlassSubmit } from '../handlers/break-glass-submit.js';
import { onConfirmApprovalSubmit } from '../handlers/confirm-approval.js';
import { onRestoreSubmit, onRollbackSubmit, onServiceSubmit } from '../handlers/pick-submissions.js';
import { onPitrSubmit } from '../handlers/pitr-picker.js';
import { onRecoveryDumpSubmit } from '../handlers/recovery-picker.js';
import { onRootCauseSubmit } from '../handlers/root-cause.js';
import { onUnknownSubmission } from '../handlers/unknown-action.js';
import { tellLateFormAnswer, type ViewArgs } from '../handlers/view-request.js';
import { CallbackId } from '../ids.js';
import { tolerateLateAck } from '../late-ack.js';

/** Modal callback ids → submission handlers. */
export function registerViews(app: App, ctx: SlackContext): void {
  const tolerant = (args: ViewArgs): ViewArgs =>
    tolerateLateAck(args, {
      kind: 'view',
      logger: ctx.logger,
      metrics: ctx.metrics,
      tell: (response: ViewResponseAction, ref) => tellLateFormAnswer(ctx, args, response, ref),
    });
  const on = (id: string, handler: (args: ViewArgs) => Promise<void>) =>
    app.view<ViewSubmitAction>({ callback_id: id, type: 'view_submission' }, (args) => handler(tolerant(args)));
  on(CallbackId.rollbackModal, (args) => onRollbackSubmit(ctx, args));
  on(CallbackId.restoreModal, (args) => onRestoreSubmit(ctx, args));
  on(CallbackId.recoveryDumpModal, (args) => onRecoveryDumpSubmit(ctx, args));
  on(CallbackId.pitrModal, (args) => onPitrSubmit(ctx, args));
  on(CallbackId.serviceModal, (args) => onServiceSubmit(ctx, args));
  on(CallbackId.confirmApprovalModal, (args) => onConfirmApprovalSubmit(ctx, args));
  on(CallbackId.rootCauseModal, (args) => onRootCauseSubmit(ctx, args));
  on(CallbackId.breakGlassModal, (args) => onBreakGlassSubmit(ctx, args));
  on(CallbackId.reviewBreakGlassModal, (args) => onReviewBreakGlassSubmit(ctx, args));
  // A form no listener takes (opened by an older bot): answered, not left to time out.
  app.view<ViewSubmitAction>({ callback_id: /.*/, type: 'view_submission' }, (args) =>
    onUnknownSubmission(ctx, tolerant(args)),
  );
}
