#!/usr/bin/env node
import { config as loadDotenv } from 'dotenv';
import { type Bot, startBot } from './compose.js';
import { type Config, loadConfig } from './config.js';
import { startConsoleMode, type ConsoleMode } from './console-loader.js';
import { isRecioError } from '@recio/protocol/errors';
import { createLogger, type Logger } from './observability/logger.js';
import { slackSettingsFromConfig } from './slack/index.js';

/** Wires config → store → hosts → engine → Slack (+ monitor); in console mode, the emulation first. */
loadDotenv({ quiet: true });
let consoleMode: ConsoleMode | undefined;
let env: Record<string, string | undefined> = process.env;
if (!env.SLACK_BOT_TOKEN) {
  consoleMode = await startConsoleMode(env);
  env = consoleMode.env;
}

let config: Config;
try {
  config = loadConfig(env);
} catch (error) {
  process.stderr.write(`recio-bot: ${isRecioError(error) ? error.message : String(error)}\n`);
  await consoleMode?.close();
  process.exit(78);
}

const secrets = [
  config.env.SLACK_BOT_TOKEN,
  config.env.SLACK_APP_TOKEN,
  config.env.SLACK_SIGNING_SECRET,
  config.env.DATABASE_URL,
].filter((s): s is string => !!s);
const logger = createLogger({ level: config.env.LOG_LEVEL, knownSecrets: secrets });

/** The bot for a config; in console mode on loopback, and without its monitor when nothing is there to watch. */
function run(cfg: Config, log: Logger, watch: boolean): Promise<Bot> {
  const slack = slackSettingsFromConfig(cfg)!;
  return startBot(cfg, {
    logger: log,
    slack: consoleMode ? { ...slack, host: '127.0.0.1' } : slack,
    doctorEnv: env,
    monitor: watch,
  });
}

let bot: Bot = await run(config, logger, consoleMode?.watch ?? true).catch(async (error: unknown) => {
  logger.fatal({ err: error }, isRecioError(error) ? error.message : 'recio-bot could not start');
  await consoleMode?.close();
  process.exit(isRecioError(error, 'config_invalid') ? 78 : 1);
});

if (consoleMode) {
  logger.info(
    { console: consoleMode.url, mode: consoleMode.label, botPort: bot.port },
    `local console: open ${consoleMode.url}`,
  );
  process.stdout.write(
    `\nrecio-bot is running against the local console: ${consoleMode.url}\n${consoleMode.label}\n\n`,
  );
  // "Start a practice REC.IO" on the page: the same bot, restarted against the sandbox.
  consoleMode.onPracticeReady(async (practiceEnv) => {
    const next = loadConfig(practiceEnv);
    await bot.stop(config.env.RECIO_SHUTDOWN_DEADLINE_MS);
    env = practiceEnv;
    config = next;
    bot = await run(next, logger, true);
    logger.info({ mode: 'practice' }, 'recio-bot restarted against the practice REC.IO');
  });
} else {
  logger.info({ mode: bot.app.mode, port: bot.port }, 'recio-bot is running');
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadlineMs = config!.env.RECIO_SHUTDOWN_DEADLINE_MS;
  logger.info({ signal, deadlineMs }, 'shutting down: no new work, running steps get until the deadline');
  // A hard stop past the deadline plus closing time: systemd's TimeoutStopSec is above this.
  setTimeout(() => process.exit(1), deadlineMs + 20_000).unref();
  const { interrupted } = await bot.stop(deadlineMs);
  await consoleMode?.close();
  logger.info({ interrupted }, interrupted > 0 ? 'stopped; steps still running were marked interrupted' : 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
