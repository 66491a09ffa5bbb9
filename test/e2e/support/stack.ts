import { chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { startBot, type Bot } from '@recio/bot/compose';
import { loadConfig } from '@recio/bot/config';
import { readManifest, startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';
import { REPO_MANIFEST } from '../../support/slack-fake.js';
import { createLogger, type LogLevel } from '@recio/bot/observability/logger';
import { sandboxDown, sandboxUp, type Sandbox, type SandboxTuning } from '@recio/sandbox/index';
import { slackSettingsFromConfig } from '@recio/bot/slack/index';
import { createTestDatabase, type TestDatabase } from '../../support/pg-database.js';
import { copyRunbooks, type RunbookEdits } from './runbooks-copy.js';
import { markOwned, ownedTempDir } from '../../support/leftovers.js';

/** The emulator's people: alice and bob are the two lead_operators (one asks, the other approves). */
export const ALICE = 'U0ALICE0001';
export const BOB = 'U0BOB000001';
export const DAVE = 'U0DAVE00001';
export const OPS = 'C0OPS000001';

/**
 * Quick enough for a test, production-like in kind: feeds write every 0.5–1 s, programs give up on
 * a dead database after 3 s, the web UI calls a feed stale after 5 s, a rollback settles for 2 s.
 */
export const E2E_TUNING: Partial<SandboxTuning> = {
  btcIntervalMs: 500,
  kalshiIntervalMs: 1000,
  heartbeatMs: 1000,
  dbGraceSeconds: 3,
  apiTimeoutMs: 1000,
  webMaxFeedAgeSeconds: 5,
  deploySettleSeconds: 2,
};

export interface StackOptions {
  tuning?: Partial<SandboxTuning>;
  /** Text replacements in a copy of commands/ (RECIO_RUNBOOKS_DIR), for windows too long for a test. */
  runbookEdits?: RunbookEdits;
  /** Extra environment for the bot (after the stack's own). */
  env?: Record<string, string>;
}

/**
 * One sandbox REC.IO, and the whole bot (`startBot`, as `npm start` runs it) pointed at it with the emulator
 * as Slack.
 */
export interface E2EStack {
  sandbox: Sandbox;
  slack: SlackEmulator;
  bot: Bot;
  storeDb: TestDatabase;
  /**
   * Stops the bot, runs `meanwhile` (a deploy while no bot watches, say) and starts a new bot process's worth of
   * parts on the same store, config and emulator: `bot` is then the new one.
   */
  restartBot(meanwhile?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** A sandbox in a directory of its own and a fresh store database: what a drill from the CLI needs. */
export interface SandboxAndStore {
  dir: string;
  sandbox: Sandbox;
  storeDb: TestDatabase;
  /** Undoes everything in reverse order; `undo` takes more steps to run first. */
  undo: Array<() => Promise<unknown>>;
  stop(): Promise<void>;
}

/**
 * Everything started here is undone by `stop()` in reverse order, each part on its own (a failed
 * part does not keep the rest up), and also when the start itself fails half-way.
 */
export async function startSandboxAndStore(tuning: Partial<SandboxTuning> = {}): Promise<SandboxAndStore> {
  const undo: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    // Each part on its own: one that fails is said, and the rest still goes (its marker reaps it later).
    for (const step of undo.splice(0).reverse())
      await step().catch((error: unknown) => console.error('e2e stack: a part did not stop:', error));
  };
  try {
    const dir = await ownedTempDir('e2e');
    undo.push(() => rm(dir, { recursive: true, force: true }));
    // The sandbox's REC.IO user must traverse it (mkdtemp makes it 0700).
    await chmod(dir, 0o755);
    // A user of its own: two files run at once, each with its sandbox, and down removes only what it made.
    const user = `recio-e2e${Math.floor(Math.random() * 0xfffff).toString(16)}`;
    if (process.getuid?.() === 0) {
      const releaseMarker = markOwned('user', user);
      undo.push(async () => {
        const removed = await execa('userdel', [user], { reject: false });
        // 6: the sandbox never made the account (it failed before); either way nothing is left to reap.
        if (removed.exitCode === 0 || removed.exitCode === 6) releaseMarker();
        else throw new Error(`userdel ${user}: ${removed.stderr}`);
      });
    }
    const sandboxDir = join(dir, 'sbx');
    markOwned('sandbox', sandboxDir);
    undo.push(() => sandboxDown(sandboxDir));
    // `up` waits until the web UI says 200; 90 s (the CLI's default) was once not enough at the start
    // of a loaded run, with four sandboxes starting at once. A bound within the hook's 300 s.
    const sandbox = await sandboxUp({
      dir: sandboxDir,
      user,
      tuning: { ...E2E_TUNING, ...tuning },
      timeoutMs: 240_000,
    });
    const storeDb = await createTestDatabase('recio_e2e');
    undo.push(() => storeDb.drop());
    return { dir, sandbox, storeDb, undo, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The sandbox, the store, the emulator as Slack and the whole bot pointed at them. */
export async function startStack(options: StackOptions = {}): Promise<E2EStack> {
  const base = await startSandboxAndStore(options.tuning);
  const { dir, sandbox, storeDb, undo, stop } = base;
  try {
    // The app as manifest.yml describes it: a call outside its scopes fails here as in Slack.
    const slack = await startSlackEmulator({ manifest: readManifest(REPO_MANIFEST) });
    undo.push(() => slack.close());
    const runbooksDir = options.runbookEdits
      ? copyRunbooks(join(dir, 'commands'), options.runbookEdits)
      : sandbox.env.RECIO_RUNBOOKS_DIR;
    const config = loadConfig({
      ...sandbox.env,
      RECIO_RUNBOOKS_DIR: runbooksDir,
      DATABASE_URL: storeDb.url,
      RECIO_DATA_DIR: join(dir, 'data'),
      SLACK_BOT_TOKEN: slack.tokens.bot,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      RECIO_OPS_CHANNEL: OPS,
      RECIO_LEAD_OPERATORS: `${ALICE},${BOB}`,
      RECIO_SYSTEM_ARCHITECTS: BOB,
      RECIO_MONITOR_INTERVAL_MS: '1000',
      RECIO_HTTP_TIMEOUT_MS: '2000',
      RECIO_SHUTDOWN_DEADLINE_MS: '5000',
      ...options.env,
    });
    const logger = createLogger({ level: (process.env.RECIO_TEST_LOG as LogLevel | undefined) ?? 'silent' });
    const start = async (): Promise<Bot> => {
      const started = await startBot(config, {
        logger,
        slack: { ...slackSettingsFromConfig(config)!, port: 0, host: '127.0.0.1' },
        doctorEnv: {},
      });
      // Signed HTTP, as Slack calls a bot that is not on Socket Mode.
      slack.setRequestUrl(`http://127.0.0.1:${started.port}/slack/events`);
      return started;
    };
    const stack: E2EStack = {
      sandbox,
      slack,
      bot: await start(),
      storeDb,
      async restartBot(meanwhile) {
        await stack.bot.stop(5_000);
        await meanwhile?.();
        stack.bot = await start();
      },
      stop,
    };
    undo.push(() => stack.bot.stop(5_000));
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}
