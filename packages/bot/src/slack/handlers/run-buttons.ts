import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { beginButton, type ButtonArgs } from './button-request.js';

type RunButton = 'confirm' | 'skip' | 'cut' | 'cancel';

/**
 * Go-ahead / Skip on a gated step, the cut-short button of a retrying one, Cancel on a run. The
 * value is the step's (or run's) id and nothing else; the core checks the role, that the step is
 * still waiting, and audits refusals.
 */
export async function onRunButton(ctx: SlackContext, kind: RunButton, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const actor = await ctx.ops.actorFor(request.user);
    const { value, origin } = request;
    const answer =
      kind === 'confirm'
        ? await ctx.ops.confirmStep(value, actor, origin)
        : kind === 'skip'
          ? await ctx.ops.skipStep(value, actor, origin)
          : kind === 'cut'
            ? await ctx.ops.cutShort(value, actor, origin)
            : await ctx.ops.cancelRun(value, actor, origin);
    await showAnswer(answer, request.reply);
  });
}
