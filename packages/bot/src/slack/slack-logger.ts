import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../observability/logger.js';

/**
 * Bolt, the Web API client and the Socket Mode client log through @slack/logger's interface; this
 * sends their lines into our pino logger (and its redaction) instead of the console.
 */
export function slackLoggerFrom(logger: Logger, name = 'slack'): SlackLogger {
  const child = logger.child({ component: name });
  const join = (msgs: unknown[]) =>
    msgs.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level: LogLevel = LogLevel.WARN;
  return {
    debug: (...msgs) => child.debug(join(msgs)),
    info: (...msgs) => child.info(join(msgs)),
    warn: (...msgs) => child.warn(join(msgs)),
    error: (...msgs) => child.error(join(msgs)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
