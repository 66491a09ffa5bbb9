import type { App, RespondArguments } from '@slack/bolt';
import type { SlackContext } from '../context.js';
import { onRecioCommand } from '../handlers/recio-command.js';
import { COMMAND } from '../ids.js';
import { tolerateLateAck } from '../late-ack.js';

/** Slash commands → handlers. A parse error answered too late for Slack is sent by response_url. */
export function registerCommands(app: App, ctx: SlackContext): void {
  app.command(COMMAND, (args) =>
    onRecioCommand(
      ctx,
      tolerateLateAck(args, {
        kind: 'command',
        logger: ctx.logger,
        metrics: ctx.metrics,
        tell: async (response: string | RespondArguments) => {
          const text = typeof response === 'string' ? response : response.text;
          if (text) await args.respond({ response_type: 'ephemeral', text });
        },
      }),
    ),
  );
}
