import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createManualClock, type ManualClock } from '@recio/slack-emulator/index';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient } from './clients.js';
import { startRecordingBot, type RecordingBot } from './recording-bot.js';

/** response_url: what each body does, Block Kit checks, and "up to 5 times within 30 minutes". */
let fake: SlackFake;
let bot: RecordingBot;
let clock: ManualClock;
beforeEach(async () => {
  bot = await startRecordingBot();
  clock = createManualClock();
  fake = await startSlackFake({ requestUrl: bot.url, clock, rateLimits: { disabled: true } });
});
afterEach(async () => {
  await fake.close();
  await bot.close();
});

const OPS = 'C0OPS000001';
const respond = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function commandUrl(): Promise<string> {
  return (await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' })).responseUrl as string;
}

async function approvalMessage(): Promise<string> {
  const blocks = [
    {
      type: 'actions',
      block_id: 'a',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'approve', value: 'apv_1' },
      ],
    },
  ];
  return (await botClient(fake).chat.postMessage({ channel: OPS, text: 'Approve?', blocks })).ts as string;
}

describe('response_url bodies', () => {
  test('ephemeral by default, in_channel when asked; each POST is recorded', async () => {
    const url = await commandUrl();
    expect((await respond(url, { text: 'only you see this' })).status).toBe(200);
    expect((await respond(url, { response_type: 'in_channel', text: 'everyone sees this' })).status).toBe(200);
    expect(fake.state.ephemeralsFor('U0ALICE0001').map((e) => e.text)).toEqual(['only you see this']);
    expect(fake.state.messagesIn(OPS).map((m) => m.text)).toEqual(['everyone sees this']);
    expect(fake.state.responseUrlPosts.map((p) => [p.effect, p.ok])).toEqual([
      ['ephemeral', true],
      ['in_channel', true],
    ]);
    expect(fake.state.responseUrlPosts[0]?.deliveryId).toBe(fake.state.deliveries[0]?.id);
  });

  test('replace_original rewrites the clicked message (whole message); delete_original removes it', async () => {
    const ts = await approvalMessage();
    const click = await fake.deliver.click({ user: 'bob', channel: OPS, ts, actionId: 'approve' });
    expect(
      (await respond(click.responseUrl as string, { replace_original: true, text: 'Approved by bob' })).status,
    ).toBe(200);
    const message = fake.state.message(OPS, ts);
    expect(message?.text).toBe('Approved by bob');
    expect(message?.blocks).toBeUndefined(); // the buttons are gone
    const again = await fake.deliver.click({
      user: 'bob',
      channel: OPS,
      ts: await approvalMessage(),
      actionId: 'approve',
    });
    await respond(again.responseUrl as string, { delete_original: true });
    expect(fake.state.messagesIn(OPS).map((m) => m.text)).toEqual(['Approved by bob']);
  });

  test("replace_original on an ephemeral message changes only that user's copy", async () => {
    bot.reply = () => ({
      contentType: 'application/json',
      body: JSON.stringify({
        text: 'Pick one',
        blocks: [
          {
            type: 'actions',
            elements: [{ type: 'button', text: { type: 'plain_text', text: 'Yes' }, action_id: 'yes' }],
          },
        ],
      }),
    });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'run verify' });
    bot.reply = () => ({});
    const eph = fake.state.ephemeralsFor('U0ALICE0001')[0];
    const click = await fake.deliver.click({
      user: 'alice',
      channel: OPS,
      ts: eph?.ts as string,
      ephemeral: true,
      actionId: 'yes',
    });
    const payload = JSON.parse(new URLSearchParams(bot.received.at(-1)?.body).get('payload') ?? '{}');
    expect(payload.container).toMatchObject({ is_ephemeral: true });
    expect(payload.message).toBeUndefined();
    await respond(click.responseUrl as string, { replace_original: true, text: 'Running verify' });
    expect(fake.state.ephemeralsFor('U0ALICE0001').map((e) => e.text)).toEqual(['Running verify']);
  });

  test('blocks are checked like chat.postMessage', async () => {
    const res = await respond(await commandUrl(), {
      text: 'x',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      response_metadata: { messages: [expect.stringContaining('/blocks/0/text/text')] },
    });
    expect(fake.state.ephemeralsFor('U0ALICE0001')).toEqual([]);
  });
});

describe('response_url limits', () => {
  test('five uses, not six', async () => {
    const url = await commandUrl();
    for (let i = 1; i <= 5; i += 1) expect((await respond(url, { text: `update ${i}` })).status).toBe(200);
    const sixth = await respond(url, { text: 'update 6' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'expired_url' });
    expect(fake.state.ephemeralsFor('U0ALICE0001')).toHaveLength(5);
  });

  test('30 minutes, not longer', async () => {
    const url = await commandUrl();
    clock.advance(30 * 60 * 1000);
    expect((await respond(url, { text: 'just in time' })).status).toBe(200);
    clock.advance(1);
    expect(await (await respond(url, { text: 'too late' })).json()).toEqual({ ok: false, error: 'expired_url' });
  });

  test('a URL the emulator never issued is refused', async () => {
    const res = await respond(`${fake.url}/commands/T0RECIO0001/1/forged`, { text: 'x' });
    expect(res.status).toBe(404);
  });
});
