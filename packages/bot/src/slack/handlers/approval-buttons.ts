import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { confirmApprovalModal } from '../views/modals.js';
import { beginButton, type ButtonArgs } from './button-request.js';

/**
 * Approve / Deny on an approval message. The button carries only the approval id; the core loads
 * the approval, checks role, requester, expiry and the binding, records one decision, audits
 * refusals, and rewrites the message (through the outbox). Approving a destructive step first
 * asks the approver to type the target's name in a modal.
 */
export async function onApprovalClick(
  ctx: SlackContext,
  decision: 'approved' | 'denied',
  args: ButtonArgs,
): Promise<void> {
  const request = await beginButton(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const actor = await ctx.ops.actorFor(request.user);
    if (decision === 'approved') {
      const target = await ctx.ops.approvalTarget(request.value, actor);
      if (target !== undefined) {
        const place = {
          channel: request.reply.channel,
          ...(request.reply.threadTs ? { threadTs: request.reply.threadTs } : {}),
        };
        await args.client.views.open({
          trigger_id: request.triggerId,
          view: confirmApprovalModal({
            approvalId: request.value,
            place,
            stepTitle: target.step.title,
            action: target.step.action,
            host: target.step.host,
            expected: target.expected,
            targetKind: target.kind,
          }),
        });
        return;
      }
    }
    await showAnswer(await ctx.ops.decideApproval(request.value, decision, actor, request.origin), request.reply);
  });
}
