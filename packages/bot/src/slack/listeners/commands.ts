import type { App } from '@slack/bolt';
import type { SlackContext } from '../context.js';
import { onRecioCommand } from '../handlers/recio-command.js';
import { COMMAND } from '../ids.js';

/** Slash commands → handlers. */
export function registerCommands(app: App, ctx: SlackContext): void {
  app.command(COMMAND, (args) => onRecioCommand(ctx, args));
}
