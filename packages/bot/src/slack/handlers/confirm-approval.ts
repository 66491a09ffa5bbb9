import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { inputValue, readMeta, readTypedTarget, submitToCore, type ViewArgs } from './view-request.js';

/**
 * The typed confirmation of a destructive approval. The name is checked against the step as the
 * store has it now (never against anything the modal carried); a mismatch keeps the modal open
 * with the error under the field and records nothing. A match records the decision through the
 * core, which still checks role, requester, expiry and binding.
 */
export async function onConfirmApprovalSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const approvalId = String(readMeta(args.view.private_metadata)?.approvalId ?? '');
  const typed = (inputValue(args, BlockId.typedName, ActionId.typedName) ?? '').trim();
  const read = await readTypedTarget(ctx, args, () => ctx.ops.approvalTargetNow(approvalId), {
    blockId: BlockId.typedName,
    form: 'a typed confirmation',
    nothing: 'Nothing was recorded',
  });
  if (!read.checked) return;
  const target = read.target;
  if (target !== undefined && typed !== target.expected) {
    await args.ack({
      response_action: 'errors',
      errors: {
        [BlockId.typedName]: `That is not ${target.kind}. Type \`${target.expected}\` exactly; nothing was recorded.`,
      },
    });
    return;
  }
  await submitToCore(ctx, args, (actor, request) =>
    ctx.ops.decideApproval(approvalId, 'approved', actor, request.origin),
  );
}
