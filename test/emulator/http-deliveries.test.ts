import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { forged } from '../support/slack-sign.js';
import { startRecordingBot, type Received, type RecordingBot } from './recording-bot.js';

/** Deliveries over HTTP, checked on the wire: encoding, fields, signature, retries, acks. */
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

/** Verify as a bot would, independently of the emulator's signing code. */
function verifies(r: Received, secret: string): boolean {
  const ts = String(r.headers['x-slack-request-timestamp']);
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${r.body}`).digest('hex')}`;
  return r.headers['x-slack-signature'] === expected;
}

const only = (): Received => {
  expect(bot.received).toHaveLength(1);
  return bot.received[0] as Received;
};

describe('slash commands', () => {
  test('form-encoded with exactly the fields Slack sends, signed', async () => {
    const delivery = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart trade_executor' });
    const r = only();
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(verifies(r, fake.signingSecret)).toBe(true);
    expect(r.headers['x-slack-request-timestamp']).toMatch(/^\d{10}$/);
    const form = Object.fromEntries(new URLSearchParams(r.body));
    expect(Object.keys(form)).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(form).toMatchObject({
      team_id: fake.workspace.team.id,
      channel_id: OPS,
      channel_name: 'ops',
      user_id: 'U0ALICE0001',
      user_name: 'alice',
      command: '/recio',
      text: 'restart trade_executor',
      api_app_id: fake.workspace.appId,
      is_enterprise_install: 'false',
    });
    expect(form.response_url?.startsWith(`${fake.url}/commands/`)).toBe(true);
    expect(form.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(delivery.attempts).toEqual([expect.objectContaining({ retryNum: 0, status: 200, outcome: 'acked' })]);
    expect(delivery.responseUrl).toBe(form.response_url);
  });

  test('an ack body is an immediate response: ephemeral by default, in the channel when asked', async () => {
    bot.reply = () => ({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ text: 'Working on it' }),
    });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    expect(fake.state.ephemeralsFor('U0ALICE0001', OPS).map((e) => e.text)).toEqual(['Working on it']);
    expect(fake.state.messagesIn(OPS)).toEqual([]);

    bot.reply = () => ({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ response_type: 'in_channel', text: 'Restarting' }),
    });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart x' });
    expect(fake.state.messagesIn(OPS).map((m) => m.text)).toEqual(['Restarting']);

    bot.reply = () => ({ status: 200, body: 'plain words' });
    await fake.deliver.slashCommand({ user: 'bob', channel: OPS, text: 'help' });
    expect(fake.state.ephemeralsFor('U0BOB000001').map((e) => e.text)).toEqual(['plain words']);
  });

  test('an empty ack shows nothing; an ack with broken blocks shows nothing and is flagged', async () => {
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    const blocks = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    bot.reply = () => ({ status: 200, contentType: 'application/json', body: JSON.stringify({ text: 'x', blocks }) });
    const bad = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    expect(bad.attempts[0]?.error).toBe('invalid_blocks');
    expect(fake.state.ephemeralsFor('U0ALICE0001')).toEqual([]);
  });

  test('an ack later than the ack timeout is timed_out, and Slack ignores what it said', async () => {
    await fake.close();
    fake = await startSlackFake({ requestUrl: bot.url, ackTimeoutMs: 50 });
    bot.reply = () => ({ status: 200, body: 'too late', delayMs: 400 });
    const delivery = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    expect(delivery.attempts[0]?.outcome).toBe('timed_out');
    expect(fake.state.ephemeralsFor('U0ALICE0001')).toEqual([]);
  });

  test('a 401 from the bot is recorded as rejected', async () => {
    bot.reply = () => ({ status: 401, body: '' });
    const delivery = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    expect(delivery.attempts[0]).toMatchObject({ status: 401, outcome: 'rejected' });
  });
});

describe('retries and forgeries', () => {
  test('a resend carries X-Slack-Retry-Num and -Reason, the same body, and a valid signature', async () => {
    const delivery = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart trade_executor' });
    for (const n of [1, 2, 3]) await fake.deliver.resend(delivery.id, { retryNum: n, retryReason: 'http_timeout' });
    expect(bot.received).toHaveLength(4);
    const [first, ...retries] = bot.received as [Received, ...Received[]];
    expect(first.headers['x-slack-retry-num']).toBeUndefined();
    retries.forEach((r, i) => {
      expect(r.body).toBe(first.body);
      expect(r.headers['x-slack-retry-num']).toBe(String(i + 1));
      expect(r.headers['x-slack-retry-reason']).toBe('http_timeout');
      expect(verifies(r, fake.signingSecret)).toBe(true);
    });
    expect(delivery.attempts.map((a) => a.retryNum)).toEqual([0, 1, 2, 3]);
  });

  test('forged deliveries: bad signature, one changed byte, skewed timestamps', async () => {
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status', tamper: forged.badSignature() });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status', tamper: forged.oneByteChanged() });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status', tamper: forged.skewed(-360) });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status', tamper: forged.skewed(360) });
    await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status', tamper: forged.unsigned() });
    const [bad, changed, past, future, unsigned] = bot.received as Received[];
    expect(verifies(bad as Received, fake.signingSecret)).toBe(false);
    expect(verifies(changed as Received, fake.signingSecret)).toBe(false);
    const sent = fake.state.deliveries[1]?.rawBody ?? '';
    const differing = [...(changed as Received).body].filter((ch, i) => ch !== sent[i]).length;
    expect((changed as Received).body).toHaveLength(sent.length);
    expect(differing).toBe(1);
    // Skewed requests are signed correctly: only the timestamp gives them away.
    expect(verifies(past as Received, fake.signingSecret)).toBe(true);
    expect(verifies(future as Received, fake.signingSecret)).toBe(true);
    const skew =
      Number((future as Received).headers['x-slack-request-timestamp']) -
      Number((past as Received).headers['x-slack-request-timestamp']);
    expect(skew).toBeGreaterThanOrEqual(720);
    expect(skew).toBeLessThanOrEqual(722);
    expect((unsigned as Received).headers['x-slack-signature']).toBeUndefined();
  });
});

describe('interactions and events', () => {
  test('a button click: payload=<json> with the block_actions shape and a response_url', async () => {
    const posted = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.tokens.bot}` },
      body: JSON.stringify({
        channel: OPS,
        text: 'Approve rollback?',
        blocks: [
          {
            type: 'actions',
            block_id: 'approval',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: 'Approve' },
                action_id: 'approve',
                value: 'apv_123',
                style: 'primary',
              },
            ],
          },
        ],
      }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    await fake.deliver.click({ user: 'bob', channel: OPS, ts: posted.ts, actionId: 'approve' });
    const r = only();
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(verifies(r, fake.signingSecret)).toBe(true);
    const form = new URLSearchParams(r.body);
    expect([...form.keys()]).toEqual(['payload']);
    const payload = JSON.parse(form.get('payload') ?? '{}');
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB000001', username: 'bob', name: 'bob', team_id: fake.workspace.team.id },
      api_app_id: fake.workspace.appId,
      token: expect.any(String),
      container: { type: 'message', message_ts: posted.ts, channel_id: OPS, is_ephemeral: false },
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/),
      team: { id: fake.workspace.team.id, domain: fake.workspace.team.domain },
      channel: { id: OPS, name: 'ops' },
      message: { ts: posted.ts, text: 'Approve rollback?', bot_id: fake.workspace.bot.botId },
      response_url: expect.stringContaining(`${fake.url}/actions/`),
      actions: [
        {
          action_id: 'approve',
          block_id: 'approval',
          value: 'apv_123',
          style: 'primary',
          type: 'button',
          action_ts: expect.any(String),
          text: { type: 'plain_text', text: 'Approve' },
        },
      ],
    });
  });

  test('a mention: the message lands in the channel and app_mention arrives as an event_callback', async () => {
    const bot_ = fake.workspace.bot.userId;
    const { message, deliveries } = await fake.deliver.userMessage({
      user: 'alice',
      channel: OPS,
      text: `<@${bot_}> status`,
    });
    expect(fake.state.messagesIn(OPS)).toEqual([message]);
    expect(deliveries).toHaveLength(1);
    const r = only();
    expect(r.headers['content-type']).toBe('application/json');
    expect(verifies(r, fake.signingSecret)).toBe(true);
    expect(JSON.parse(r.body)).toMatchObject({
      type: 'event_callback',
      team_id: fake.workspace.team.id,
      api_app_id: fake.workspace.appId,
      event_id: expect.stringMatching(/^Ev/),
      event_time: expect.any(Number),
      authorizations: [{ user_id: bot_, is_bot: true }],
      event: {
        type: 'app_mention',
        user: 'U0ALICE0001',
        text: `<@${bot_}> status`,
        ts: message.ts,
        channel: OPS,
        event_ts: message.ts,
      },
    });
  });

  test('a mention inside a thread carries thread_ts; a message without mention sends nothing', async () => {
    const parent = await fake.deliver.userMessage({ user: 'alice', channel: OPS, text: 'db is down' });
    expect(bot.received).toHaveLength(0);
    await fake.deliver.userMessage({
      user: 'bob',
      channel: OPS,
      text: `<@${fake.workspace.bot.userId}> run postgres-failure`,
      threadTs: parent.message.ts,
    });
    expect(JSON.parse(only().body).event).toMatchObject({ type: 'app_mention', thread_ts: parent.message.ts });
  });

  test('url_verification: the app must echo the challenge', async () => {
    bot.reply = (r) => ({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ challenge: JSON.parse(r.body).challenge }),
    });
    const ok = await fake.deliver.urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    expect(JSON.parse(only().body)).toEqual({
      token: expect.any(String),
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    expect(ok.attempts[0]?.error).toBeUndefined();
    bot.reply = () => ({ status: 200, body: 'nope' });
    expect((await fake.deliver.urlVerification()).attempts[0]?.error).toBe('challenge_mismatch');
  });

  test('Slack retries a failed event delivery with X-Slack-Retry-Num, until it is acked', async () => {
    await fake.close();
    fake = await startSlackFake({ requestUrl: bot.url, retryEvents: { delaysMs: [0, 0, 0] } });
    let calls = 0;
    bot.reply = () => {
      calls += 1;
      return { status: calls < 3 ? 500 : 200 };
    };
    const delivery = await fake.deliver.event({ type: 'app_home_opened', user: 'U0ALICE0001', tab: 'home' });
    expect(delivery.attempts.map((a) => [a.retryNum, a.retryReason, a.outcome])).toEqual([
      [0, undefined, 'failed'],
      [1, 'http_error', 'failed'],
      [2, 'http_error', 'acked'],
    ]);
    expect(bot.received.map((r) => r.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2']);
  });
});
