import { MIN_BREAK_GLASS_TEXT } from '../../domain/index.js';
import { checkBreakInput } from '../../operations/break-glass.js';
import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { inputValue, readMeta, readTypedTarget, submitToCore, type ViewArgs } from './view-request.js';

/**
 * The break-glass modal submitted. A short reason or a wrong target keeps the modal open with the
 * error under its field, records nothing and is audited. Otherwise the core checks everything
 * again (role, requester, still waiting, the wait over — by the database's clock) and breaks the
 * glass once: a double submission is one delivery (the view id), two modals meet the store's
 * conditional update.
 */
export async function onBreakGlassSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const approvalId = String(readMeta(args.view.private_metadata)?.approvalId ?? '');
  const reason = inputValue(args, BlockId.breakGlassReason, ActionId.breakGlassReason) ?? '';
  const typed = inputValue(args, BlockId.breakGlassTarget, ActionId.breakGlassTarget) ?? '';
  const read = await readTypedTarget(ctx, args, () => ctx.ops.breakGlassTargetNow(approvalId), {
    blockId: BlockId.breakGlassTarget,
    form: 'a break-glass form',
    nothing: 'Nothing ran',
  });
  if (!read.checked) return;
  // An unknown approval goes on to the core, which refuses it and says why.
  const problem = read.target ? checkBreakInput(reason, typed, read.target) : undefined;
  if (problem !== undefined) {
    const block = problem.field === 'reason' ? BlockId.breakGlassReason : BlockId.breakGlassTarget;
    await args.ack({ response_action: 'errors', errors: { [block]: problem.text } });
    await auditInvalid(ctx, args, `approval:${approvalId.slice(0, 40)}`, `break_glass_${problem.field}`);
    return;
  }
  await submitToCore(ctx, args, (actor, request) =>
    ctx.ops.breakGlass(approvalId, { reason, typed }, actor, request.origin),
  );
}

/** The review modal submitted: the core checks the role, that it is not the breaker's, and the note. */
export async function onReviewBreakGlassSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const note = inputValue(args, BlockId.reviewNote, ActionId.reviewNote) ?? '';
  if (note.trim().length < MIN_BREAK_GLASS_TEXT) {
    const text = `Write what you checked (at least ${MIN_BREAK_GLASS_TEXT} characters); nothing was recorded.`;
    await args.ack({ response_action: 'errors', errors: { [BlockId.reviewNote]: text } });
    const id = String(readMeta(args.view.private_metadata)?.breakGlassId ?? '');
    await auditInvalid(ctx, args, `break_glass:${id.slice(0, 40)}`, 'review_note_too_short');
    return;
  }
  await submitToCore(ctx, args, (actor, request) =>
    ctx.ops.reviewBreakGlass(String(request.meta.breakGlassId ?? ''), note, actor, request.origin),
  );
}

/** A form refused as bad input: audited, and not claimed (the corrected form is the same view). */
async function auditInvalid(ctx: SlackContext, args: ViewArgs, what: string, reason: string): Promise<void> {
  const origin = {
    surface: 'slack' as const,
    deliveryKey: `view:${args.view.id}:invalid`,
    requestId: `view-${args.view.id}`,
  };
  await ctx.ops
    .auditRefusal(args.body.user.id, what, reason, origin)
    .catch((error: unknown) => ctx.logger.error({ err: error, what }, 'could not audit a refused form'));
}
