import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { breakScenario, openSandbox, sandboxDown } from '@recio/sandbox/index';
import { until } from '../slack/helpers.js';
import { captureOutput, type ChildOutput } from '../support/child-output.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { markOwned, ownedTempDir } from '../support/leftovers.js';

/**
 * `npm start` on a machine with no fleet and no REC.IO (issue 15): the real bot process with its
 * console, nothing of REC.IO on the host. With RECIO_CONSOLE_SANDBOX=ask it probes nothing — no
 * monitor, no incident about a database or a provider that is not there — and offers "Start a
 * practice REC.IO"; one click brings the sandbox up, the bot restarts against it, and the monitor
 * then watches it: a crash there opens its incident, and it is the only one.
 */
const REPO = resolve(import.meta.dirname, '../..');
let dir: string;
let db: TestDatabase;
let bot: ChildProcess;
let port: number;
let output: ChildOutput;

interface State {
  mode: { label: string; practice?: { state: string; message?: string } };
  app: { connected: boolean };
  messages: Array<{ text: string; threadTs?: string }>;
}

const state = async (): Promise<State> =>
  (await fetch(`http://127.0.0.1:${port}/api/state?user=alice`)).json() as Promise<State>;
const incidents = async () => (await state()).messages.filter((m) => !m.threadTs && /^Incident /.test(m.text));

beforeAll(async () => {
  dir = await ownedTempDir('first-run');
  markOwned('sandbox', join(dir, '.sandbox'));
  // The sandbox's own account must reach its directory, as in a checkout.
  await chmod(dir, 0o755);
  db = await createTestDatabase('recio_first_run');
  bot = spawn(process.execPath, [join(REPO, 'packages/bot/dist/main.js')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // Port 0: the console says where it listens, no port picked here that another test could take.
      PORT: '0',
      DATABASE_URL: db.url,
      RECIO_DATA_DIR: join(dir, 'data'),
      RECIO_RUNBOOKS_DIR: join(REPO, 'commands'),
      RECIO_MONITOR_INTERVAL_MS: '1000',
      RECIO_CONSOLE_SANDBOX: 'ask',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output = captureOutput(bot);
  const [, listening] = await output.waitFor(
    /running against the local console: http:\/\/127\.0\.0\.1:(\d+)\//,
    100_000,
  );
  port = Number(listening);
  await until(async () => expect((await state()).app.connected).toBe(true), { timeout: 60_000, interval: 250 });
});

afterAll(async () => {
  if (bot && bot.exitCode === null) {
    const exited = new Promise((r) => bot.once('exit', r));
    bot.kill('SIGTERM');
    await exited;
  }
  await sandboxDown(join(dir, '.sandbox')).catch((error: unknown) => console.error('sandbox down:', error));
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('a first run with nothing of REC.IO here', () => {
  test('probes nothing, says so, and offers a practice REC.IO', async () => {
    const first = await state();
    expect(first.mode.label).toContain('nothing is watched');
    expect(first.mode.practice?.state).toBe('offered');
    expect(first.app.connected).toBe(true);
    // No monitor at all: it never took the lead, so no probe of a database or a provider ran.
    expect(output.text()).toContain('recio-bot is running against the local console');
    expect(output.text()).not.toContain('monitor: leading');
    expect(await incidents()).toEqual([]);
  });

  test('one click starts the sandbox; the bot restarts against it and watches it: ' +
    'only a real fault opens an incident', async () => {
    const answer = (await (
      await fetch(`http://127.0.0.1:${port}/api/practice`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'U0ALICE0001' }),
      })
    ).json()) as { ok: boolean; message: string };
    expect(answer, JSON.stringify(answer)).toEqual({
      ok: true,
      message: 'The practice REC.IO is up; recio watches it now.',
    });
    await until(
      async () => {
        const now = await state();
        expect(now.mode.practice?.state).toBe('running');
        expect(now.app.connected).toBe(true);
        expect(output.text()).toContain('monitor: leading');
      },
      { timeout: 60_000, interval: 250 },
    );
    await breakScenario(openSandbox(join(dir, '.sandbox')), 'service-crash', {
      service: 'trade_executor',
    });
    await until(async () => expect((await incidents()).map((m) => m.text).join('\n')).toContain('trade_executor'), {
      timeout: 90_000,
      interval: 500,
    });
    expect((await incidents()).map((m) => m.text)).toEqual([expect.stringContaining('trade_executor')]);
  }, 240_000);
});
