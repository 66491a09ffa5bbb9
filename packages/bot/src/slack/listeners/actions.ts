import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackContext } from '../context.js';
import { onApprovalClick } from '../handlers/approval-buttons.js';
import { onBreakGlassClick, onReviewBreakGlassClick } from '../handlers/break-glass.js';
import type { ButtonArgs } from '../handlers/button-request.js';
import { onDrillButton } from '../handlers/drill-button.js';
import { onHomeButton } from '../handlers/home-buttons.js';
import { onIncidentButton, onRootCauseButton } from '../handlers/incident-buttons.js';
import { onPitrButton } from '../handlers/pitr-picker.js';
import { onRecoveryPickButton } from '../handlers/recovery-picker.js';
import { onRunButton } from '../handlers/run-buttons.js';
import { onUnknownAction } from '../handlers/unknown-action.js';
import { ActionId } from '../ids.js';
import { tolerateLateAck } from '../late-ack.js';

/** Button action ids → handlers; the last listener takes the ids no other one does. */
export function registerActions(app: App, ctx: SlackContext): void {
  const late = { kind: 'action' as const, logger: ctx.logger, metrics: ctx.metrics };
  const on = (id: string, handler: (args: ButtonArgs) => Promise<void>) =>
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: id }, (args) =>
      handler(tolerateLateAck(args, late)),
    );
  on(ActionId.approve, (args) => onApprovalClick(ctx, 'approved', args));
  on(ActionId.deny, (args) => onApprovalClick(ctx, 'denied', args));
  on(ActionId.breakGlass, (args) => onBreakGlassClick(ctx, args));
  on(ActionId.reviewBreakGlass, (args) => onReviewBreakGlassClick(ctx, args));
  on(ActionId.confirmStep, (args) => onRunButton(ctx, 'confirm', args));
  on(ActionId.skipStep, (args) => onRunButton(ctx, 'skip', args));
  on(ActionId.cutShort, (args) => onRunButton(ctx, 'cut', args));
  on(ActionId.cancelRun, (args) => onRunButton(ctx, 'cancel', args));
  on(ActionId.ackIncident, (args) => onIncidentButton(ctx, 'acknowledge', args));
  on(ActionId.runRecovery, (args) => onIncidentButton(ctx, 'recover', args));
  on(ActionId.runRecoveryPickDump, (args) => onRecoveryPickButton(ctx, args));
  on(ActionId.pitrRestore, (args) => onPitrButton(ctx, args));
  on(ActionId.openChecklist, (args) => onIncidentButton(ctx, 'checklist', args));
  on(ActionId.resolveIncident, (args) => onIncidentButton(ctx, 'resolve', args));
  on(ActionId.rootCause, (args) => onRootCauseButton(ctx, args));
  on(ActionId.homeChecklist, (args) => onHomeButton(ctx, 'checklist', args));
  on(ActionId.homeBackup, (args) => onHomeButton(ctx, 'backup', args));
  on(ActionId.homeRestart, (args) => onHomeButton(ctx, 'restart', args));
  on(ActionId.startDrill, (args) => onDrillButton(ctx, args));
  // Every other click (a retired or foreign button): acked at once, told, audited.
  app.action<BlockAction>({ type: 'block_actions' }, (args) => onUnknownAction(ctx, tolerateLateAck(args, late)));
}
