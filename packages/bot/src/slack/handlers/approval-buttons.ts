import type { Answer } from '../../operations/types.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { confirmApprovalModal, loadingModal, noticeModal } from '../views/modals.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { fillingModal } from './modal-first.js';

const HEADING = 'Approve';

/** The answer in the words of the modal that was opened for it. */
function noticeOf(answer: Answer): string {
  if (answer.type === 'denied') return `:no_entry: ${answer.text}`;
  if (answer.type === 'text') return answer.text;
  return 'Done: see the message from recio.';
}

/**
 * Approve / Deny on an approval message. The button carries only the approval id; the core loads
 * the approval, checks role, requester, expiry and the binding, records one decision, audits
 * refusals, and rewrites the message (through the outbox). Approving a destructive step asks the
 * approver to type the target's name in a modal: it opens as a loading view straight after the
 * ack — the role lookup and the store come after, and a trigger id lives 3 s — and views.update
 * turns it into the confirmation, or into the answer when there is nothing to confirm.
 */
export async function onApprovalClick(
  ctx: SlackContext,
  decision: 'approved' | 'denied',
  args: ButtonArgs,
): Promise<void> {
  const approving = decision === 'approved';
  const request = await beginButton(
    ctx,
    args,
    approving ? { modal: loadingModal(HEADING, 'Checking the approval and your role…') } : {},
  );
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, HEADING, request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const target = approving ? await ctx.ops.approvalTarget(request.value, actor) : undefined;
      if (target !== undefined) {
        if (modalId === undefined)
          return reply.private(
            renderText(':warning: Slack did not let the confirmation open in time. Click *Approve* again.'),
          );
        const place = { channel: reply.channel, ...(reply.threadTs ? { threadTs: reply.threadTs } : {}) };
        const view = confirmApprovalModal({
          approvalId: request.value,
          place,
          stepTitle: target.step.title,
          action: target.step.action,
          host: target.step.host,
          expected: target.expected,
          targetKind: target.kind,
        });
        await args.client.views.update({ view_id: modalId, view });
        return;
      }
      const answer = await ctx.ops.decideApproval(request.value, decision, actor, request.origin);
      if (modalId !== undefined)
        await args.client.views.update({ view_id: modalId, view: noticeModal(HEADING, noticeOf(answer)) });
      await showAnswer(answer, reply);
    }),
  );
}
