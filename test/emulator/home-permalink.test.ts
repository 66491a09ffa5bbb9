import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, slackError } from './clients.js';
import { startRecordingBot, type RecordingBot } from './recording-bot.js';

/** The App Home as Slack delivers it (app_home_opened, clicks in the Home) and chat.getPermalink. */
let fake: SlackFake;
let bot: RecordingBot;
beforeEach(async () => {
  bot = await startRecordingBot();
  fake = await startSlackFake({ requestUrl: bot.url, rateLimits: { disabled: true } });
});
afterEach(async () => {
  await fake.close();
  await bot.close();
});

const OPS = 'C0OPS000001';
const ALICE = 'U0ALICE0001';
const lastBody = () => JSON.parse(bot.received.at(-1)!.body) as { event?: Record<string, unknown>; payload?: string };
const home = {
  type: 'home',
  blocks: [
    {
      type: 'actions',
      block_id: 'home_actions',
      elements: [
        { type: 'button', action_id: 'backup_now', value: 'home', text: { type: 'plain_text', text: 'Back up now' } },
      ],
    },
  ],
};

describe('chat.getPermalink', () => {
  test("a top-level message and a reply, in Slack's format", async () => {
    const client = botClient(fake);
    const parent = await client.chat.postMessage({ channel: OPS, text: 'incident' });
    const reply = await client.chat.postMessage({ channel: OPS, text: 'in the thread', thread_ts: parent.ts! });
    const top = await client.chat.getPermalink({ channel: OPS, message_ts: parent.ts! });
    expect(top).toMatchObject({
      ok: true,
      channel: OPS,
      permalink: `https://recio-dr.slack.com/archives/${OPS}/p${parent.ts!.replace('.', '')}`,
    });
    const inThread = await client.chat.getPermalink({ channel: OPS, message_ts: reply.ts! });
    expect(inThread.permalink).toBe(
      `https://recio-dr.slack.com/archives/${OPS}/p${reply.ts!.replace('.', '')}?thread_ts=${parent.ts}&cid=${OPS}`,
    );
  });

  test("an unknown message or channel is refused with Slack's errors", async () => {
    const client = botClient(fake);
    expect(await slackError(client.chat.getPermalink({ channel: OPS, message_ts: '1700000000.000001' }))).toMatchObject(
      { error: 'message_not_found' },
    );
    expect(
      await slackError(client.chat.getPermalink({ channel: 'C0NOPE00000', message_ts: '1700000000.000001' })),
    ).toMatchObject({ error: 'channel_not_found' });
  });
});

describe('the App Home', () => {
  test('opening it sends app_home_opened; once a Home is published, the event carries it', async () => {
    await fake.deliver.openHome({ user: 'alice' });
    const first = lastBody().event!;
    expect(first).toMatchObject({
      type: 'app_home_opened',
      user: ALICE,
      tab: 'home',
      channel: expect.stringMatching(/^D/),
    });
    expect(first.view).toBeUndefined();
    const published = await botClient(fake).views.publish({ user_id: ALICE, view: home as never });
    await fake.deliver.openHome({ user: 'alice' });
    expect(lastBody().event).toMatchObject({ view: { id: published.view!.id, type: 'home' } });
    await fake.deliver.openHome({ user: 'alice', tab: 'messages' });
    expect(lastBody().event).toMatchObject({ tab: 'messages' });
    expect(lastBody().event!.view).toBeUndefined();
  });

  test(
    'a click in the Home is a block_actions from a view container, ' + 'with no channel and no response_url',
    async () => {
      await expect(fake.deliver.click({ user: 'alice', actionId: 'backup_now', home: true })).rejects.toThrow(
        /no Home/,
      );
      await botClient(fake).views.publish({ user_id: ALICE, view: home as never });
      await fake.deliver.click({ user: 'alice', actionId: 'backup_now', home: true });
      const payload = JSON.parse(new URLSearchParams(bot.received.at(-1)!.body).get('payload')!) as Record<
        string,
        unknown
      >;
      expect(payload).toMatchObject({
        type: 'block_actions',
        container: { type: 'view' },
        view: { type: 'home' },
        actions: [{ action_id: 'backup_now', value: 'home' }],
      });
      expect(payload.channel).toBeUndefined();
      expect(payload.response_url).toBeUndefined();
      expect(payload.trigger_id).toEqual(expect.any(String));
    },
  );
});
