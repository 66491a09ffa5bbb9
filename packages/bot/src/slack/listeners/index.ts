import type { App } from '@slack/bolt';
import type { SlackContext } from '../context.js';
import { registerActions } from './actions.js';
import { registerCommands } from './commands.js';
import { registerEvents } from './events.js';
import { registerViews } from './views.js';

/** Every listener, by kind; each file only maps ids to handlers. */
export function registerListeners(app: App, ctx: SlackContext): void {
  registerCommands(app, ctx);
  registerActions(app, ctx);
  registerViews(app, ctx);
  registerEvents(app, ctx);
}
