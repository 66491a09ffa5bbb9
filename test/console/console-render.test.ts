import { EVENT_BOUND_MS } from '../support/bounds.js';
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startConsole, workspaceSeedOf, type RunningConsole } from '@recio/console/index';
import { startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';
import { botClient } from '../emulator/clients.js';
import { launchBrowser, type TestBrowser } from './browser.js';
import { startDemoBot } from './demo-bot.js';

/**
 * What the page makes of what the bot posts: every Block Kit piece, files, edits and deletions
 * live, ephemerals per user, and text that tries to be HTML staying text.
 */
const OPS = 'C0OPS000001';
const INCIDENTS = 'C0INCIDENT1';
const BOB = 'U0BOB000001';
// A 1×1 PNG.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let emulator: SlackEmulator;
let consoleApp: RunningConsole;
let bot: App;
let client: WebClient;
let browser: TestBrowser;
const open: Page[] = [];

beforeAll(async () => {
  // Many posts in a row: Slack's 1/s per channel is the bot's business, tested elsewhere.
  emulator = await startSlackEmulator({ workspace: workspaceSeedOf(), rateLimits: { disabled: true } });
  consoleApp = await startConsole({ emulator, port: 0, mode: { label: 'Local console (own port)' } });
  bot = await startDemoBot(emulator);
  client = botClient(emulator);
  browser = await launchBrowser();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
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

async function openAs(name: string): Promise<Page> {
  const page = await browser.newPage();
  open.push(page);
  page.on('dialog', (dialog) => {
    browser.errors.push(`unexpected dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${consoleApp.url}?user=${name}`);
  await page.locator('#connection.live').waitFor();
  await page.locator('#channel-list .channel-link').first().waitFor();
  return page;
}

async function expectCount(locator: Locator, n: number): Promise<void> {
  await expect.poll(() => locator.count(), { timeout: EVENT_BOUND_MS }).toBe(n);
}

const message = (page: Page, text: string) => page.locator('#timeline article.message', { hasText: text });

describe('rendering in Chromium', () => {
  test(
    'the Block Kit a bot posts: ' + 'mrkdwn, fields, context, image, selects, overflow, link buttons, attachments',
    async () => {
      const page = await openAs('alice');
      await client.chat.postMessage({
        channel: OPS,
        text: 'kitchen sink',
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: 'sink: ~old~ *bold _both_* <!here> in <#C0INCIDENT1>\n> quoted line\n```line 1\n  line 2```',
            },
          },
          {
            type: 'section',
            text: { type: 'plain_text', text: 'with a picture' },
            accessory: { type: 'image', image_url: 'https://example.invalid/a.png', alt_text: 'a plot' },
          },
          {
            type: 'image',
            image_url: 'https://example.invalid/b.png',
            alt_text: 'latency plot',
            title: { type: 'plain_text', text: 'Latency' },
          },
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: 'open_docs',
                url: 'https://example.invalid/docs',
                text: { type: 'plain_text', text: 'Docs' },
              },
              {
                type: 'static_select',
                action_id: 'pick_host',
                placeholder: { type: 'plain_text', text: 'Host' },
                option_groups: [
                  {
                    label: { type: 'plain_text', text: 'db' },
                    options: [{ text: { type: 'plain_text', text: 'db-1' }, value: 'db-1' }],
                  },
                ],
              },
              {
                type: 'overflow',
                action_id: 'status_more',
                options: [
                  { text: { type: 'plain_text', text: 'Refresh' }, value: 'refresh' },
                  { text: { type: 'plain_text', text: 'Mute' }, value: 'mute' },
                ],
              },
            ],
          },
        ],
        attachments: [
          {
            color: 'danger',
            title: 'trade_executor',
            text: 'FATAL since *06:01*',
            fields: [{ title: 'host', value: '`app-1`', short: true }],
          },
        ],
      });
      const sink = message(page, 'sink:');
      const text = sink.locator('.section-text').first();
      await expect(text.locator('s').textContent()).resolves.toBe('old');
      await expect(text.locator('b > i').textContent()).resolves.toBe('both');
      await expect(text.locator('.mention').allTextContents()).resolves.toEqual(['@here', '#incidents']);
      await expect(text.locator('blockquote').textContent()).resolves.toBe('quoted line');
      await expect(text.locator('pre').textContent()).resolves.toBe('line 1\n  line 2');
      await expect(sink.locator('.accessory img').getAttribute('alt')).resolves.toBe('a plot');
      await expect(sink.locator('figure.image .image-title').textContent()).resolves.toBe('Latency');
      await expect(sink.locator('select[data-action-id="pick_host"] option').allTextContents()).resolves.toEqual([
        'Host',
        'db-1',
      ]);
      await expect(sink.locator('.attachment .attachment-title').textContent()).resolves.toBe('trade_executor');
      await expect(sink.locator('.attachment b').allTextContents()).resolves.toEqual(['06:01', 'host']);

      // A choice in the overflow menu reaches the bot as Slack sends it.
      await sink.locator('button[data-action-id="status_more"]').click();
      await sink.getByRole('button', { name: 'Mute' }).click();
      await expect
        .poll(() => emulator.state.deliveries.at(-1)?.payload, { timeout: EVENT_BOUND_MS })
        .toMatchObject({
          type: 'block_actions',
          actions: [{ action_id: 'status_more', selected_option: { value: 'mute' } }],
        });
      await sink.locator('select[data-action-id="pick_host"]').selectOption('db-1');
      await expect
        .poll(() => emulator.state.deliveries.at(-1)?.payload, { timeout: EVENT_BOUND_MS })
        .toMatchObject({
          actions: [{ action_id: 'pick_host', selected_option: { value: 'db-1' } }],
        });
    },
  );

  test('text that looks like HTML stays text: nothing from a message runs or becomes markup', async () => {
    const page = await openAs('alice');
    const attack = '<img src=x onerror="window.__xss=1">';
    await client.chat.postMessage({
      channel: OPS,
      text: 'xss',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '<script>window.__xss=1</script>' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `probe ${attack} and <javascript:window.__xss=1|click me> &lt;b&gt;not bold&lt;/b&gt;`,
          },
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'x',
              text: { type: 'plain_text', text: '<b onmouseover="window.__xss=1">hover</b>' },
            },
          ],
        },
      ],
      attachments: [{ color: 'red;background:url(javascript:alert(1))', text: 'colour' }],
    });
    const probe = message(page, 'probe');
    await probe.waitFor();
    await expect(probe.locator('.header').textContent()).resolves.toBe('<script>window.__xss=1</script>');
    await expect(probe.locator('.section-text').textContent()).resolves.toBe(
      'probe img src=x onerror="window.__xss=1" and click me <b>not bold</b>',
    );
    await expect(probe.locator('button[data-action-id="x"]').textContent()).resolves.toBe(
      '<b onmouseover="window.__xss=1">hover</b>',
    );
    await probe.locator('button[data-action-id="x"]').hover();
    await expectCount(probe.locator('script, img[src="x"], a, .section-text b'), 0);
    await expect(
      probe
        .locator('.attachment')
        .evaluate((n) => (n as unknown as { style: { borderLeftColor: string } }).style.borderLeftColor),
    ).resolves.toBe('rgb(221, 221, 221)');
    await expect(page.evaluate(() => (globalThis as { __xss?: number }).__xss)).resolves.toBeUndefined();
  });

  test('chat.update and chat.delete show up live, with "(edited)"', async () => {
    const page = await openAs('bob');
    const posted = await client.chat.postMessage({ channel: OPS, text: 'checklist: 1/3 done' });
    await message(page, 'checklist: 1/3 done').waitFor();
    await client.chat.update({ channel: OPS, ts: posted.ts as string, text: 'checklist: 2/3 done' });
    const edited = message(page, 'checklist: 2/3 done');
    await expect(edited.locator('.edited').textContent()).resolves.toBe(' (edited)');
    await expectCount(message(page, 'checklist: 1/3'), 0);
    await client.chat.delete({ channel: OPS, ts: posted.ts as string });
    await expectCount(message(page, 'checklist:'), 0);
  });

  test('an ephemeral message is shown to its user only, in the right channel', async () => {
    const alice = await openAs('alice');
    const bob = await openAs('bob');
    await client.chat.postEphemeral({ channel: INCIDENTS, user: BOB, text: 'only for bob' });
    await client.chat.postMessage({ channel: INCIDENTS, text: 'for everyone' });
    await bob.locator('.channel-link', { hasText: 'incidents' }).click();
    const mine = bob.locator('#timeline article.message.ephemeral', { hasText: 'only for bob' });
    await expect(mine.locator('.only-you').textContent()).resolves.toBe('Only visible to you');
    await alice.locator('.channel-link', { hasText: 'incidents' }).click();
    await message(alice, 'for everyone').waitFor();
    await expectCount(alice.locator('article.message', { hasText: 'only for bob' }), 0);
  });

  test('files the bot shares: images inline, text with a preview, both served by the console', async () => {
    const page = await openAs('carol');
    await client.filesUploadV2({
      channel_id: OPS,
      file: PIXEL,
      filename: 'latency.png',
      title: 'Latency plot',
      alt_text: 'p99 latency',
    });
    await client.filesUploadV2({
      channel_id: OPS,
      content: 'line 1\nline 2',
      filename: 'restart.log',
      title: 'Full output',
    });
    const image = page.locator('.file img.file-image');
    await image.waitFor();
    await expect(image.getAttribute('alt')).resolves.toBe('p99 latency');
    await expect
      .poll(() => image.evaluate((n) => (n as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: EVENT_BOUND_MS,
      })
      .toBe(1);
    await expect(page.locator('.file', { hasText: 'Full output' }).locator('pre').textContent()).resolves.toBe(
      'line 1\nline 2',
    );
  });
});
