import { EVENT_BOUND_MS } from '../support/bounds.js';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { App } from '@slack/bolt';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startConsole, workspaceSeedOf, type RunningConsole } from '@recio/console/index';
import { startSlackEmulator, type DeliveryRecord, type SlackEmulator } from '@recio/slack-emulator/index';
import { launchBrowser, type TestBrowser } from './browser.js';
import { DEMO, startDemoBot } from './demo-bot.js';

/**
 * The console in Chromium against a real Bolt app over signed HTTP: what a person types and clicks
 * on the page reaches the bot as Slack would send it, and what the bot posts shows up live.
 */
const ARTIFACTS = resolve(import.meta.dirname, '../../artifacts');
const OPS = 'C0OPS000001';
const ALICE = 'U0ALICE0001';
const BOB = 'U0BOB000001';
const CAROL = 'U0CAROL0001';

let emulator: SlackEmulator;
let consoleApp: RunningConsole;
let bot: App;
let browser: TestBrowser;

beforeAll(async () => {
  emulator = await startSlackEmulator({ workspace: workspaceSeedOf() });
  consoleApp = await startConsole({
    emulator,
    mode: { label: 'Local console — no Slack workspace; store: embedded; hosts: sandbox/local' },
  });
  bot = await startDemoBot(emulator);
  browser = await launchBrowser();
});

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    try {
      await bot?.stop();
    } finally {
      await consoleApp?.close();
      await emulator?.close();
    }
  }
  expect(browser?.errors ?? []).toEqual([]);
});

// Every tab holds an event stream, and Chromium allows 6 connections per host: close them all.
const open: Page[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function openAs(name: string): Promise<Page> {
  const page = await browser.newPage();
  open.push(page);
  await page.goto(`${consoleApp.url}?user=${name}`);
  // Live: the event stream is connected, so anything after this point arrives without a reload.
  await page.locator('#connection.live').waitFor();
  // …and the first snapshot is drawn.
  await page.locator('#channel-list .channel-link').first().waitFor();
  return page;
}

async function type(page: Page, text: string, composer = '#composer-input'): Promise<void> {
  await page.fill(composer, text);
  await page.press(composer, 'Enter');
}

/** Waits for the DOM to hold exactly `n` matches (no fixed sleep: polls until it does or times out). */
async function expectCount(locator: Locator, n: number): Promise<void> {
  await expect.poll(() => locator.count(), { timeout: EVENT_BOUND_MS }).toBe(n);
}

/** Waits for the text to become `expected` (an element may be there already with older content). */
async function expectText(locator: Locator, expected: string | RegExp): Promise<void> {
  const poll = expect.poll(() => locator.textContent(), { timeout: EVENT_BOUND_MS });
  await (typeof expected === 'string' ? poll.toBe(expected) : poll.toMatch(expected));
}

const message = (page: Page, text: string, pane = '#timeline') =>
  page.locator(`${pane} article.message`, { hasText: text });

function deliveriesOf(kind: DeliveryRecord['kind']): DeliveryRecord[] {
  return emulator.state.deliveries.filter((d) => d.kind === kind);
}

describe('the local console in Chromium', () => {
  test('`/recio status` typed in the composer reaches the bot; its Block Kit message is rendered', async () => {
    const page = await openAs('alice');
    await expect(page.locator('#banner').textContent()).resolves.toBe(
      'Local console — no Slack workspace; store: embedded; hosts: sandbox/local',
    );
    await expect(page.locator('#channel-list .channel-link').first().textContent()).resolves.toContain('ops');
    await type(page, '/recio status');
    const status = message(page, 'REC.IO status');
    await status.locator('.header').waitFor();

    const [command] = deliveriesOf('slash_command');
    expect(command?.payload).toMatchObject({ command: '/recio', text: 'status', user_id: ALICE, channel_id: OPS });
    expect(command?.attempts[0]).toMatchObject({ status: 200, outcome: 'acked' });

    const section = status.locator('.section-text').first();
    await expect(section.locator('b').textContent()).resolves.toBe('3 of 4');
    await expect(section.locator('i').textContent()).resolves.toBe('one');
    await expect(section.locator('code').textContent()).resolves.toBe('trade_executor');
    await expect(section.locator('.mention').textContent()).resolves.toBe('@alice');
    await expect(section.locator('a').getAttribute('href')).resolves.toBe('https://example.com/runbook');
    await expectCount(status.locator('.fields .field'), 2);
    await expectCount(status.locator('hr.divider'), 1);
    await expect(status.locator('.context code').textContent()).resolves.toBe('local');
    await expect(status.locator(`button[data-action-id="${DEMO.addNote}"]`).textContent()).resolves.toBe('Add note');
    await expectCount(status.locator(`select[data-action-id="${DEMO.tail}"] option`), 3);
  });

  test(
    'alice asks for a rollback, bob approves it from the switcher, ' + 'and another open page sees the rewrite live',
    async () => {
      const page = await openAs('alice');
      const watcher = await openAs('carol');
      await type(page, '/recio rollback v2.3.1');
      await message(watcher, 'roll back').filter({ hasText: 'v2.3.1' }).waitFor();
      await watcher.evaluate(() => Object.assign(globalThis, { __notReloaded: true }));

      await page.selectOption('#user-switcher', BOB);
      await page.waitForURL(/user=bob/);
      await message(page, 'v2.3.1').locator(`button[data-action-id="${DEMO.approve}"]`).click();
      await message(page, 'approved by @bob').waitFor();

      // The watcher never reloaded: the rewrite came over server-sent events.
      const rewritten = message(watcher, 'approved by @bob');
      await rewritten.waitFor();
      await expectCount(rewritten.locator('.edited'), 1);
      await expect(watcher.evaluate(() => (globalThis as { __notReloaded?: boolean }).__notReloaded)).resolves.toBe(
        true,
      );

      const click = deliveriesOf('block_actions').at(-1);
      expect(click?.payload).toMatchObject({ user: { id: BOB }, actions: [{ action_id: DEMO.approve }] });
      expect(click?.attempts[0]).toMatchObject({ status: 200, outcome: 'acked' });
    },
  );

  test('alice approving her own request gets an ephemeral denial that only she sees', async () => {
    const alice = await openAs('alice');
    await type(alice, '/recio rollback v9.9.9');
    const request = message(alice, 'v9.9.9');
    await request.locator(`button[data-action-id="${DEMO.approve}"]`).click();
    const denial = alice.locator('#timeline article.message.ephemeral', {
      hasText: 'You cannot approve your own rollback',
    });
    await denial.waitFor();
    await expect(denial.locator('.only-you').textContent()).resolves.toBe('Only visible to you');
    await expect(request.textContent()).resolves.toContain('asks to roll back');
    expect(emulator.state.messagesIn(OPS).find((m) => m.text.includes('v9.9.9'))?.edited).toBeUndefined();

    const bob = await openAs('bob');
    // Bob's page has loaded the request itself, so the missing denial is not a page still loading.
    await message(bob, 'v9.9.9').waitFor();
    await expectCount(bob.locator('article.message.ephemeral'), 0);
    expect(emulator.state.ephemeralsFor(ALICE).map((e) => e.text)).toEqual([
      expect.stringContaining('You cannot approve your own rollback'),
    ]);

    await denial.locator('button.dismiss').click();
    await expectCount(denial, 0);
  });

  test('Deny asks for confirmation first; "Keep it" sends nothing, "Deny" does', async () => {
    const page = await openAs('bob');
    await type(page, '/recio rollback v1.0.0');
    const request = message(page, 'v1.0.0');
    const before = deliveriesOf('block_actions').length;
    await request.locator(`button[data-action-id="${DEMO.deny}"]`).click();
    const dialog = page.locator('.dialog.confirm');
    await expect(dialog.locator('.dialog-title').textContent()).resolves.toBe('Deny the rollback?');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await expectCount(dialog, 0);
    expect(deliveriesOf('block_actions')).toHaveLength(before);

    await request.locator(`button[data-action-id="${DEMO.deny}"]`).click();
    await page.locator('.dialog.confirm').getByRole('button', { name: 'Deny' }).click();
    await message(page, 'denied by @bob').waitFor();
    expect(deliveriesOf('block_actions')).toHaveLength(before + 1);
  });

  test(
    'a modal opens from a button, refuses an empty required field, ' +
      'and its submission reaches the bot with the typed value',
    async () => {
      const page = await openAs('carol');
      await message(page, 'REC.IO status').locator(`button[data-action-id="${DEMO.addNote}"]`).click();
      const modal = page.locator('.dialog.modal');
      await expect(modal.locator('.dialog-title').textContent()).resolves.toBe('Add a note');

      const submissions = deliveriesOf('view_submission').length;
      await modal.getByRole('button', { name: 'Post note' }).click();
      await expectCount(modal.locator('.input-error'), 2);
      expect(deliveriesOf('view_submission')).toHaveLength(submissions);

      // The bot refuses a short note with response_action "errors": shown under the input, and
      // what was typed and picked stays, as in Slack.
      const note = modal.locator('[data-block-id="note"] textarea');
      const severity = modal.locator('[data-block-id="severity"] select');
      await note.fill('x');
      await severity.selectOption('high');
      await modal.locator('[data-block-id="notify"] input[value="security"]').check();
      await modal.getByRole('button', { name: 'Post note' }).click();
      await expectText(modal.locator('[data-block-id="note"] .input-error'), 'Write at least 3 characters');
      await expect(note.inputValue()).resolves.toBe('x');
      await expect(severity.inputValue()).resolves.toBe('high');

      // A button inside the modal sends the inputs' current values; the bot's views.update redraws
      // the modal around them.
      await note.fill('replica lag 40s');
      await modal.getByRole('button', { name: 'Preview' }).click();
      await expectText(modal.locator('.context'), 'Preview: replica lag 40s');
      expect(deliveriesOf('block_actions').at(-1)?.payload).toMatchObject({
        actions: [{ action_id: DEMO.preview }],
        view: { state: { values: { note: { text: { value: 'replica lag 40s' } } } } },
      });
      await expect(note.inputValue()).resolves.toBe('replica lag 40s');
      await expect(modal.locator('[data-block-id="notify"] input[value="security"]').isChecked()).resolves.toBe(true);
      await modal.getByRole('button', { name: 'Post note' }).click();
      await message(page, 'Note from @carol (high): replica lag 40s').waitFor();
      await expectCount(page.locator('.dialog.modal'), 0);

      const submission = deliveriesOf('view_submission').at(-1);
      expect(submission?.payload).toMatchObject({
        user: { id: CAROL },
        view: {
          callback_id: DEMO.noteView,
          state: {
            values: {
              note: { text: { type: 'plain_text_input', value: 'replica lag 40s' } },
              severity: { level: { selected_option: { value: 'high' } } },
              notify: { who: { selected_options: [{ value: 'security' }] } },
            },
          },
        },
      });
    },
  );

  test(
    'views.push stacks a second modal; ' + 'Back returns to the first with what was typed; × closes them all',
    async () => {
      const page = await openAs('bob');
      await message(page, 'REC.IO status').locator(`button[data-action-id="${DEMO.addNote}"]`).click();
      const modal = page.locator('.dialog.modal');
      await modal.locator('[data-block-id="note"] textarea').fill('half-written');
      await modal.getByRole('button', { name: 'More' }).click();
      await expectText(modal.locator('.dialog-title'), 'Details');
      await modal.getByRole('button', { name: 'Back' }).click();
      await expectText(modal.locator('.dialog-title'), 'Add a note');
      await expect(modal.locator('[data-block-id="note"] textarea').inputValue()).resolves.toBe('half-written');
      // A modal is its user's own: alice sees none; back as bob, it is there with what he typed.
      await page.selectOption('#user-switcher', ALICE);
      await expectCount(modal, 0);
      await page.selectOption('#user-switcher', BOB);
      await expectText(modal.locator('.dialog-title'), 'Add a note');
      await expect(modal.locator('[data-block-id="note"] textarea').inputValue()).resolves.toBe('half-written');
      await modal.getByRole('button', { name: 'Close' }).click();
      await expectCount(modal, 0);
      expect(emulator.state.openModal(BOB)).toBeUndefined();
    },
  );

  test('an unknown slash command is refused on the page, as Slack does, and never reaches the bot', async () => {
    const page = await openAs('alice');
    const before = emulator.state.deliveries.length;
    await type(page, '/deploy prod');
    await expectText(page.locator('#notice'), /^\/deploy is not a valid command/);
    expect(emulator.state.deliveries).toHaveLength(before);
  });

  test(
    '@recio in the channel is answered in a thread; ' + 'the thread pane opens and its composer replies in the thread',
    async () => {
      const page = await openAs('alice');
      await type(page, '@recio is the db back?');
      const asked = message(page, 'is the db back?');
      await expect(asked.locator('.mention').textContent()).resolves.toBe('@recio');
      const summary = asked.locator('button.thread-summary');
      await summary.waitFor();
      await expectText(summary, /^1 reply/);
      await summary.click();

      const pane = page.locator('#thread-pane');
      await message(page, 'heard: @recio is the db back?', '#thread-timeline').waitFor();
      await type(page, '@recio and the trade executor?', '#thread-input');
      await message(page, 'heard: @recio and the trade executor?', '#thread-timeline').waitFor();
      await expectText(asked.locator('button.thread-summary'), /^3 replies/);
      await expectCount(pane.locator('article.message'), 4);
      const parent = emulator.state.messagesIn(OPS).find((m) => m.text.includes('is the db back?'));
      expect(emulator.state.repliesTo(OPS, parent?.ts ?? '').map((m) => m.text)).toEqual([
        'heard: <@U0RECIOBOT1> is the db back?',
        '<@U0RECIOBOT1> and the trade executor?',
        'heard: <@U0RECIOBOT1> and the trade executor?',
      ]);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'console.png') });
    },
  );
});
