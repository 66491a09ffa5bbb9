import type { App } from '@slack/bolt';
import type { SlackContext } from '../context.js';
import { onAppHomeOpened } from '../handlers/app-home.js';
import { onAppMention } from '../handlers/app-mention.js';

/** Events API types → handlers. */
export function registerEvents(app: App, ctx: SlackContext): void {
  app.event('app_mention', (args) => onAppMention(ctx, args));
  app.event('app_home_opened', (args) => onAppHomeOpened(ctx, args));
}
