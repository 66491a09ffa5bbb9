import { EVENT_BOUND_MS } from '../support/bounds.js';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startBot, type Bot } from '@recio/bot/compose';
import { loadConfig } from '@recio/bot/config';
import {
  defaultConsoleSeed,
  roleMembersOf,
  startConsole,
  workspaceSeedOf,
  type RunningConsole,
} from '@recio/console/index';
import { startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';
import { createLogger } from '@recio/bot/observability/logger';
import { slackSettingsFromConfig } from '@recio/bot/slack/index';
import { ActionId } from '@recio/bot/slack/ids';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { freePort } from '../support/ports.js';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { launchBrowser, type TestBrowser } from './browser.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * The console in Chromium against the REAL bot — `startBot`, as `npm start` runs it — on a real
 * host over SSH: status, a rollback asked by alice and approved by bob (typing the tag), and
 * alice's self-approval refused. Its screenshot (artifacts/) is where the README's picture came from.
 */
const ARTIFACTS = resolve(import.meta.dirname, '../../artifacts');
const OPS = defaultConsoleSeed.channels[0]!.id;

let dir: string;
let repo: string;
let host: TestHost;
let db: TestDatabase;
let emulator: SlackEmulator;
let page: RunningConsole;
let bot: Bot;
let browser: TestBrowser;
let health: Server;

async function releaseRepo(): Promise<void> {
  repo = join(dir, 'rec_io_v2');
  await mkdir(repo);
  const git = (...args: string[]) =>
    execa('git', ['-C', repo, '-c', 'user.email=ops@rec.io', '-c', 'user.name=ops', ...args]);
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  for (const tag of ['v2.3.0', 'v2.4.0']) {
    await writeFile(join(repo, 'requirements.txt'), `requests==${tag}\n`);
    await git('add', '.');
    await git('commit', '-qm', tag);
    await git('tag', tag);
  }
  await execa('chmod', ['-R', 'a+rwX', dir]);
}

beforeAll(async () => {
  dir = await ownedTempDir('console-bot');
  await releaseRepo();
  db = await createTestDatabase('recio_console');
  host = await startTestHost({
    name: 'db1',
    releaseDir: repo,
    agentConfig: { deploy: { repo, pip: ['true'], settleSeconds: 1 } },
  });
  const keyPath = join(dir, 'bot_key');
  await writeFile(keyPath, host.clientKey.privateKey, { mode: 0o600 });
  await writeFile(
    join(dir, 'fleet.yml'),
    `hosts:\n  - { name: db1, address: 127.0.0.1, port: ${host.sshd.port}, user: ${host.user.name}, ` +
      `hostKey: "${host.sshd.hostKeyFingerprint}", roles: [db, app, web] }\n`,
  );
  // Healthy provider stand-ins, so nothing but what the test does shows up in the channel.
  health = createServer((_q, r) => r.end('{"ok":true}'));
  await new Promise<void>((done) => health.listen(0, '127.0.0.1', done));
  const healthUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}/health`;

  emulator = await startSlackEmulator({ workspace: workspaceSeedOf() });
  page = await startConsole({
    emulator,
    mode: { label: 'Local console — no Slack workspace; store: PostgreSQL; hosts: db1 over SSH' },
  });
  const roles = roleMembersOf();
  const config = loadConfig({
    SLACK_BOT_TOKEN: emulator.tokens.bot,
    SLACK_APP_TOKEN: emulator.tokens.app,
    SLACK_API_URL: emulator.apiUrl,
    PORT: String(await freePort()),
    DATABASE_URL: db.url,
    RECIO_FLEET: join(dir, 'fleet.yml'),
    RECIO_SSH_KEY: keyPath,
    RECIO_OPS_CHANNEL: OPS,
    RECIO_LEAD_OPERATORS: (roles.lead_operator ?? []).join(','),
    RECIO_SYSTEM_ARCHITECTS: (roles.system_architect ?? []).join(','),
    RECIO_RUNBOOKS_DIR: resolve(import.meta.dirname, '../../commands'),
    RECIO_KALSHI_HEALTH_URL: healthUrl,
    RECIO_COINBASE_HEALTH_URL: healthUrl,
    LOG_LEVEL: 'silent',
  });
  bot = await startBot(config, {
    logger: createLogger({ level: 'silent' }),
    slack: { ...slackSettingsFromConfig(config)!, host: '127.0.0.1' },
    monitor: false,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await bot?.stop(5_000);
  await page?.close();
  await emulator?.close();
  await new Promise((done) => (health ? health.close(done) : done(undefined)));
  await host?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
  expect(browser?.errors ?? []).toEqual([]);
});

const open: Page[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function openAs(name: string): Promise<Page> {
  const tab = await browser.newPage();
  open.push(tab);
  await tab.setViewportSize({ width: 1280, height: 900 });
  await tab.goto(`${page.url}?user=${name}`);
  await tab.locator('#connection.live').waitFor();
  await tab.locator('#channel-list .channel-link').first().waitFor();
  return tab;
}

async function type(tab: Page, text: string, composer = '#composer-input'): Promise<void> {
  await tab.fill(composer, text);
  await tab.press(composer, 'Enter');
}

const message = (tab: Page, text: string, pane = '#timeline') =>
  tab.locator(`${pane} article.message`, { hasText: text });

describe('the console with the real bot', () => {
  test("`/recio status` shows the host's programs, read over SSH", async () => {
    const alice = await openAs('alice');
    await type(alice, '/recio status');
    const status = message(alice, 'REC.IO status');
    await status.waitFor({ timeout: EVENT_BOUND_MS });
    await expect.poll(() => status.textContent(), { timeout: EVENT_BOUND_MS }).toContain('trade_executor');
    expect(await status.textContent()).toContain('db1');
  });

  test(
    'alice asks for a rollback; bob approves it by typing the tag; ' +
      'the message says "approved by @bob"; the tag is checked out',
    async () => {
      const alice = await openAs('alice');
      await type(alice, '/recio rollback v2.3.0');
      const run = message(alice, 'roll back').first();
      await run.waitFor({ timeout: EVENT_BOUND_MS });

      const bob = await openAs('bob');
      // The approval is a reply in the run's thread.
      await bob.locator('#timeline article.message button.thread-summary').first().waitFor({ timeout: EVENT_BOUND_MS });
      await bob.locator('#timeline article.message button.thread-summary').first().click();
      const approval = message(bob, 'Approval needed', '#thread-timeline');
      await approval.waitFor({ timeout: EVENT_BOUND_MS });
      await approval.locator(`button[data-action-id="${ActionId.approve}"]`).click();
      const modal = bob.locator('.dialog.modal');
      await modal.locator('input, textarea').first().fill('v2.3.0');
      await modal.getByRole('button', { name: 'Approve' }).click();
      await message(bob, 'Approved by @bob', '#thread-timeline').waitFor({ timeout: EVENT_BOUND_MS });
      await expect
        .poll(
          async () =>
            (
              await execa('git', ['-C', repo, 'describe', '--tags', '--exact-match', 'HEAD'], { reject: false })
            ).stdout.trim(),
          { timeout: 60_000 },
        )
        .toBe('v2.3.0');

      await mkdir(ARTIFACTS, { recursive: true });
      // Kept as an artifact of the run; docs/console.png is a copy of one, taken by hand.
      await bob.screenshot({ path: join(ARTIFACTS, 'console-real-bot.png') });
    },
  );

  test('alice approving her own rollback gets a denial only she sees; nothing runs', async () => {
    const alice = await openAs('alice');
    await type(alice, '/recio rollback v2.4.0');
    // The run's own title: the earlier run's message names v2.4.0 too (what was checked out before it).
    const run = message(alice, 'roll back (v2.4.0)').locator('button.thread-summary');
    await run.waitFor({ timeout: EVENT_BOUND_MS });
    await run.click();
    const approval = message(alice, 'Approval needed', '#thread-timeline');
    // A loaded clean-clone run once timed out here (undiagnosed): say what the page and the store held.
    await approval.waitFor({ timeout: EVENT_BOUND_MS }).catch(async (error: unknown) => {
      const pane = await alice.locator('#thread-pane').textContent();
      const link = await alice.locator('#connection').textContent();
      const runs = await db.query(
        `SELECT r.state, r.scenario, r.created_at, a.state AS approval
           FROM runs r LEFT JOIN approvals a ON a.run_id = r.id ORDER BY r.created_at`,
      );
      throw new Error(`${String(error)}\npage: ${link}\nthread pane: ${pane}\nruns: ${JSON.stringify(runs.rows)}`);
    });
    await approval.locator(`button[data-action-id="${ActionId.approve}"]`).click();
    const denial = alice.locator('article.message.ephemeral', { hasText: 'second lead_operator must approve' });
    await denial.first().waitFor({ timeout: EVENT_BOUND_MS });
    expect(await denial.first().locator('.only-you').textContent()).toBe('Only visible to you');
    expect(
      (
        await execa('git', ['-C', repo, 'describe', '--tags', '--exact-match', 'HEAD'], { reject: false })
      ).stdout.trim(),
    ).toBe('v2.3.0');
  });
});
