import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readManifest } from '@recio/slack-emulator/index';
import { REPO_MANIFEST, startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient } from './clients.js';
import { startRecordingBot, type RecordingBot } from './recording-bot.js';

/**
 * Two things Slack does quietly, so a lenient fake hides them: it says ok to a message nobody will
 * see (an ephemeral into a thread that is not active; a reply to a ts that names no message), and
 * it escapes what people type before the app gets it.
 */
const OPS = 'C0OPS000001';
let fake: SlackFake;
let bot: RecordingBot;
beforeEach(async () => {
  bot = await startRecordingBot();
  fake = await startSlackFake({ requestUrl: bot.url, rateLimits: { disabled: true }, allowUnseen: true });
});
afterEach(async () => {
  await fake.close();
  await bot.close();
});

describe('accepted but never seen', () => {
  test('an ephemeral into a message with no replies yet: ok, a message_ts, and invisible', async () => {
    const client = botClient(fake);
    const parent = await client.chat.postMessage({ channel: OPS, text: '@recio status' });
    const sent = await client.chat.postEphemeral({
      channel: OPS,
      user: 'U0ALICE0001',
      text: 'only you',
      thread_ts: parent.ts!,
    });
    expect(sent).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect(fake.state.ephemeralsFor('U0ALICE0001', OPS)).toEqual([]);
    expect(fake.state.unseen()).toEqual([
      expect.objectContaining({ text: 'only you', unseen: expect.stringMatching(/no replies yet/) }),
    ]);
  });

  test('once the thread has a reply, an ephemeral in it is shown', async () => {
    const client = botClient(fake);
    const parent = await client.chat.postMessage({ channel: OPS, text: 'incident' });
    await client.chat.postMessage({ channel: OPS, text: 'first reply', thread_ts: parent.ts! });
    await client.chat.postEphemeral({ channel: OPS, user: 'U0ALICE0001', text: 'only you', thread_ts: parent.ts! });
    expect(fake.state.ephemeralsFor('U0ALICE0001', OPS).map((e) => e.text)).toEqual(['only you']);
    expect(fake.state.unseen()).toEqual([]);
  });

  test('an ephemeral without thread_ts is shown in the channel', async () => {
    await botClient(fake).chat.postEphemeral({ channel: OPS, user: 'U0ALICE0001', text: 'in the channel' });
    expect(fake.state.ephemeralsFor('U0ALICE0001', OPS)).toHaveLength(1);
  });

  test('a reply to a thread_ts that names no message: ok, and in no conversation', async () => {
    const sent = await botClient(fake).chat.postMessage({ channel: OPS, text: 'lost', thread_ts: '1700000000.000001' });
    expect(sent.ok).toBe(true);
    expect(fake.state.messagesIn(OPS)).toEqual([]);
    expect(fake.state.unseen()).toEqual([
      expect.objectContaining({ text: 'lost', unseen: expect.stringMatching(/names no message/) }),
    ]);
  });

  test("the tests' Slack fails a test whose bot sent something nobody sees", async () => {
    const strict = await startSlackFake({ rateLimits: { disabled: true } });
    await botClient(strict).chat.postMessage({ channel: OPS, text: 'lost', thread_ts: '1700000000.000001' });
    await expect(strict.close()).rejects.toThrow(/Slack would show nobody 1 message/);
  });
});

describe('text as Slack sends it', () => {
  const received = () => JSON.parse(bot.received.at(-1)!.body) as { event?: { text: string } };
  const commandText = () => new URLSearchParams(bot.received.at(-1)!.body).get('text');

  test('a slash command: & < > escaped once; names and links as typed (should_escape: false)', async () => {
    await fake.deliver.slashCommand({
      user: 'alice',
      channel: OPS,
      text: 'incident open DB & API <down> in #ops, ask @bob: https://grafana.example/d/1?a=1&b=2',
    });
    expect(commandText()).toBe(
      'incident open DB &amp; API &lt;down&gt; in #ops, ask @bob: https://grafana.example/d/1?a=1&amp;b=2',
    );
  });

  test('a slash command with should_escape: <@U…|name>, <#C…|name> and <url>', async () => {
    const manifest = readManifest(REPO_MANIFEST);
    const escaping = await startSlackFake({
      requestUrl: bot.url,
      manifest: { ...manifest, commands: [{ command: '/recio', shouldEscape: true }] },
    });
    try {
      await escaping.deliver.slashCommand({
        user: 'alice',
        channel: OPS,
        text: 'incident open #ops & @bob see https://grafana.example/d/1.',
      });
      expect(commandText()).toBe(
        'incident open <#C0OPS000001|ops> &amp; <@U0BOB000001|bob> see <https://grafana.example/d/1>.',
      );
    } finally {
      await escaping.close();
    }
  });

  test('a message: escaped, @name and #name linked, URLs wrapped; a picked mention kept', async () => {
    const { message } = await fake.deliver.userMessage({
      user: 'alice',
      channel: OPS,
      text: `<@${fake.workspace.bot.userId}> incident open R&D <b> in #ops for @bob https://x.example/a`,
    });
    const expected =
      `<@${fake.workspace.bot.userId}> incident open R&amp;D &lt;b&gt; ` +
      'in <#C0OPS000001|ops> for <@U0BOB000001> <https://x.example/a>';
    expect(message.text).toBe(expected);
    expect(received().event?.text).toBe(expected);
  });

  test('typing @recio mentions the app, as picking it from the menu does', async () => {
    const { deliveries } = await fake.deliver.userMessage({ user: 'alice', channel: OPS, text: '@recio help' });
    expect(deliveries.map((d) => (d.payload.event as { type: string }).type)).toEqual(['app_mention']);
  });
});
