import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { claimDelivery, type SlackContext } from '../context.js';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/**
 * Someone opened the app's Home tab: their Home is published (at once, then with the hosts' fresh
 * answers), and they join the people whose Home an incident change refreshes. Bolt acks the event
 * before this runs; the work waits behind other acks. A redelivery of the same event is claimed
 * once — but a Home is a read, so a store that cannot be reached does not stop it: the Home says
 * what could not be read instead.
 */
export async function onAppHomeOpened(ctx: SlackContext, { event, body }: Args): Promise<void> {
  // The Messages tab is read-only (the bot's own notes there); opening it needs nothing from us.
  if (event.tab !== undefined && event.tab !== 'home') return;
  const eventId = (body as { event_id?: string }).event_id ?? `${event.user}:${event.event_ts}`;
  ctx.work.push(async () => {
    const log = ctx.logger.child({ user: event.user, eventId });
    const claimed = await claimDelivery(ctx, `evt:${eventId}`, 'event').catch((error: unknown) => {
      log.warn({ err: error }, 'could not claim app_home_opened; publishing the Home anyway');
      return true;
    });
    if (!claimed) return;
    ctx.metrics?.countDelivery('event', 'acked');
    await ctx.homes.opened(event.user);
  });
}
