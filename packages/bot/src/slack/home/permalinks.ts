import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';

/**
 * Links to messages, for the Home's incident list: chat.getPermalink (Slack forms the link; it
 * allows hundreds of calls a minute), remembered, since a message's permalink never changes. When
 * Slack cannot say, the link opens the channel instead (`slack.com/app_redirect?channel=…`, the
 * documented deep link) and is asked for again next time.
 */
export function createPermalinks(
  client: WebClient,
  logger: Logger,
  max = 500,
): (channel: string, ts: string) => Promise<string> {
  const known = new Map<string, string>();
  return async (channel, ts) => {
    const key = `${channel}:${ts}`;
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    try {
      const { permalink } = await client.chat.getPermalink({ channel, message_ts: ts });
      if (permalink) {
        known.set(key, permalink);
        if (known.size > max) known.delete(known.keys().next().value!);
        return permalink;
      }
    } catch (error) {
      logger.warn({ err: error, channel, ts }, 'chat.getPermalink failed; linking to the channel');
    }
    return `https://slack.com/app_redirect?channel=${encodeURIComponent(channel)}`;
  };
}
