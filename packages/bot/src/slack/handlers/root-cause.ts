import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { beginSubmission, inputValue, type ViewArgs } from './view-request.js';

/** The root-cause modal submitted: the desk checks the role again and rewrites the stored report. */
export async function onRootCauseSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  await args.ack();
  const request = await beginSubmission(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const incidentId = String(request.meta.incidentId ?? '');
    const rootCause = inputValue(args, BlockId.rootCause, ActionId.rootCauseText) ?? '';
    const followUps = inputValue(args, BlockId.followUps, ActionId.followUpsText) ?? '';
    const actor = await ctx.ops.actorFor(request.user);
    await showAnswer(
      await ctx.ops.setRootCause(incidentId, rootCause, followUps, actor, request.origin),
      request.reply,
    );
  });
}
