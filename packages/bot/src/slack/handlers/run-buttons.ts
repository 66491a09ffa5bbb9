import { cancelRun, confirmStep, skipStep } from '../../operations/decisions.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { beginButton, type ButtonArgs } from './button-request.js';

const DECISIONS = { confirm: confirmStep, skip: skipStep, cancel: cancelRun } as const;

/**
 * Go-ahead / Skip on a gated step, Cancel on a run. The value is the step's (or run's) id and
 * nothing else; the core checks the role, that the step is still waiting, and audits refusals.
 */
export async function onRunButton(ctx: SlackContext, kind: keyof typeof DECISIONS, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const actor = await ctx.ops.actorFor(request.user);
    await showAnswer(await DECISIONS[kind](ctx.ops, request.value, actor, request.origin), request.reply);
  });
}
