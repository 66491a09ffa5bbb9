import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { handleIntent } from './intents.js';

/**
 * "Start a drill" (the quarterly reminder, the App Home): the drill next in turn, asked for as
 * `/recio drill <scenario>` would — the same role check (refusals audited), one drill at a time, a
 * sandbox fleet only. The button's value names nothing; the core picks the scenario now.
 */
export async function onDrillButton(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const { next } = await ctx.ops.drillDue();
    const { answer } = await handleIntent(ctx, { kind: 'drill', scenario: next }, request.user, request.origin);
    await showAnswer(answer, request.reply);
  });
}
