import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** `npm start` without Slack tokens: the local console (the @recio/console package) in front of the bot. */
export interface ConsoleMode {
  url: string;
  /** The environment for the bot: the console's Slack emulation, its people as role holders, the sandbox if any. */
  env: Record<string, string | undefined>;
  label: string;
  /** False when there is no REC.IO to watch (no fleet, nothing on this host): the bot runs without its monitor. */
  watch: boolean;
  /** A practice REC.IO was started from the page: restart the bot against this environment. */
  onPracticeReady(handler: (env: Record<string, string | undefined>) => Promise<void>): void;
  close(): Promise<void>;
}

interface ConsoleModule {
  startConsoleMode(env: Record<string, string | undefined>): Promise<ConsoleMode>;
}

// A variable, so tsc does not follow it: with Slack tokens the bot never loads the console.
const CONSOLE_MODULE: string = '@recio/console/console-mode';

/** Starts the console, or says why there is none (a production install ships without it). */
export async function startConsoleMode(env: Record<string, string | undefined>): Promise<ConsoleMode> {
  let loaded: ConsoleModule;
  try {
    loaded = (await import(CONSOLE_MODULE)) as ConsoleModule;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      'SLACK_BOT_TOKEN is not set and the local console is not installed here: ' +
        'set the Slack tokens (see .env.example), or run from a checkout of the repository for the console',
    );
  }
  return loaded.startConsoleMode(env);
}
