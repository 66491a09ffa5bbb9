import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { inputValue, submitToCore, type ViewArgs } from './view-request.js';

/** The root-cause modal submitted: the desk checks the role again and rewrites the stored report. */
export async function onRootCauseSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  await submitToCore(ctx, args, (actor, request) => {
    const incidentId = String(request.meta.incidentId ?? '');
    const rootCause = inputValue(args, BlockId.rootCause, ActionId.rootCauseText) ?? '';
    const followUps = inputValue(args, BlockId.followUps, ActionId.followUpsText) ?? '';
    return ctx.ops.setRootCause(incidentId, rootCause, followUps, actor, request.origin);
  });
}
