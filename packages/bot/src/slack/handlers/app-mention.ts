import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { parseCommand } from '../../intents/parse.js';
import { readSlackText } from '../../intents/slack-text.js';
import { claimDelivery, slackOrigin, type SlackContext } from '../context.js';
import { createReply } from '../reply.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { clip } from '../views/kit.js';
import { handleIntent, tagsAsText } from './intents.js';

type Args = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

/**
 * `<@U0RECIOBOT1> restart trade_executor` → `restart trade_executor`: the bot's own mentions go,
 * the rest of Slack's markup is read back into plain words (readSlackText), entities decoded once.
 */
export function commandTextOf(text: string, botUserId: string | undefined): string {
  // Without Bolt's botUserId, the mention an app_mention starts with is the app's own.
  const bot = botUserId ?? /^\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/.exec(text)?.[1];
  return readSlackText(text, { dropUser: bot });
}

/**
 * `@recio …` — slash commands do not work in threads, so inside an incident thread people mention
 * the bot instead. Same grammar as `/recio`; the answer, and anything it starts, stays in the
 * thread. Bolt acks events before this runs; the work is queued behind other acks, and the event
 * id makes a redelivery act once.
 */
export async function onAppMention(ctx: SlackContext, args: Args): Promise<void> {
  ctx.work.push(() => answerMention(ctx, args));
}

async function answerMention(ctx: SlackContext, { event, body, client, context }: Args): Promise<void> {
  const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
  const user = event.user;
  if (user === undefined) return;
  // Answers for everyone go in the mention's thread (a first reply starts it). A private answer
  // goes in a thread only when the mention was inside one: Slack shows ephemerals in a thread
  // "only if there is already an active thread", so one aimed at a new thread is never seen.
  const threadTs = event.thread_ts ?? event.ts;
  const requestId = randomUUID();
  const log = ctx.logger.child({ requestId, user, channel: event.channel });
  const reply = createReply({
    client,
    logger: log,
    channel: event.channel,
    user,
    threadTs,
    privateThreadTs: event.thread_ts,
    mode: 'thread',
  });
  const origin = slackOrigin({ channel: event.channel, threadTs, deliveryKey: eventId, requestId });
  await guarded(reply, log, async () => {
    if (!(await claimDelivery(ctx, `evt:${eventId}`, 'event'))) return;
    ctx.metrics?.countDelivery('event', 'acked');
    const text = commandTextOf(event.text, context.botUserId);
    // In an incident's thread, what people ask the bot is part of the incident's timeline.
    if (event.thread_ts) await ctx.ops.noteMessage(event.channel, event.thread_ts, user, `@recio ${text}`);
    const parsed = parseCommand(text, ctx.ops.vocabulary);
    if (!parsed.ok) {
      await reply.private(renderText(parsed.message.replaceAll('`/recio ', '`@recio ')));
      await ctx.ops.auditRefusal(user, 'mention', 'parse_error', origin, { text: clip(text, 200) });
      return;
    }
    const { answer } = await handleIntent(ctx, parsed.intent, user, origin);
    // A mention has no trigger id, so no modal: the choices are answered as text in the thread.
    if (answer.type === 'choose_tag') return reply.answer(renderText(await tagsAsText(ctx, requestId, '@recio')));
    await showAnswer(answer, reply);
  });
}
