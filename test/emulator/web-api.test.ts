import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PERMISSIVE_MANIFEST } from '@recio/slack-emulator/index';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, slackError } from './clients.js';

/** The Web API through the real @slack/web-api client: what it sends, what Slack answers. */
let fake: SlackFake;
beforeEach(async () => {
  // Methods recio's manifest does not cover (users.info, reactions.add, history) are tested too.
  fake = await startSlackFake({ rateLimits: { disabled: true }, manifest: PERMISSIVE_MANIFEST });
});
afterEach(async () => {
  await fake.close();
});

const OPS = 'C0OPS000001';
const raw = (method: string, init: RequestInit) =>
  fetch(`${fake.apiUrl}${method}`, { method: 'POST', ...init }).then((r) => r.json());

describe('tokens', () => {
  test('no token → not_authed; a wrong one → invalid_auth', async () => {
    expect(await raw('auth.test', {})).toEqual({ ok: false, error: 'not_authed' });
    expect(await slackError(botClient(fake, { headers: {} }).auth.test({ token: 'xoxb-wrong' }))).toMatchObject({
      error: 'invalid_auth',
    });
  });

  test('a token is read from the Authorization header or a form field, not from a JSON body', async () => {
    const form = new URLSearchParams({ token: fake.tokens.bot }).toString();
    expect(
      await raw('auth.test', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
    ).toMatchObject({ ok: true });
    const json = JSON.stringify({ token: fake.tokens.bot });
    expect(await raw('auth.test', { headers: { 'content-type': 'application/json' }, body: json })).toEqual({
      ok: false,
      error: 'not_authed',
    });
    const bearer = { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${fake.tokens.bot}` };
    expect(
      await raw('chat.postMessage', { headers: bearer, body: JSON.stringify({ channel: OPS, text: 'json' }) }),
    ).toMatchObject({ ok: true });
  });

  test('the app-level token works only for apps.connections.open', async () => {
    const appClient = botClient(fake, { headers: {} });
    expect(
      await slackError(appClient.chat.postMessage({ token: fake.tokens.app, channel: OPS, text: 'x' })),
    ).toMatchObject({ error: 'not_allowed_token_type' });
    expect(await slackError(botClient(fake).apps.connections.open({}))).toMatchObject({
      error: 'not_allowed_token_type',
    });
  });

  test('auth.test names the bot the way Bolt reads it', async () => {
    const auth = await botClient(fake).auth.test();
    expect(auth).toMatchObject({
      ok: true,
      user_id: fake.workspace.bot.userId,
      bot_id: fake.workspace.bot.botId,
      team_id: fake.workspace.team.id,
    });
  });
});

describe('chat.postMessage', () => {
  test('answers like Slack and records the message', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*restarting*' } }];
    const res = await botClient(fake).chat.postMessage({ channel: OPS, text: 'restarting', blocks });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe(OPS);
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(res.message).toMatchObject({
      type: 'message',
      text: 'restarting',
      user: fake.workspace.bot.userId,
      bot_id: fake.workspace.bot.botId,
      ts: res.ts,
    });
    // Slack gives every block a block_id.
    expect(res.message?.blocks?.[0]?.block_id).toEqual(expect.any(String));
    expect(fake.state.messagesIn(OPS).map((m) => m.text)).toEqual(['restarting']);
  });

  test('unknown and hidden channels → channel_not_found; not joined → not_in_channel', async () => {
    const client = botClient(fake);
    expect(await slackError(client.chat.postMessage({ channel: 'C0NOPE00000', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect(await slackError(client.chat.postMessage({ channel: 'C0HRPRIV001', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect(await slackError(client.chat.postMessage({ channel: 'C0RANDOM001', text: 'x' }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect(fake.state.messages).toHaveLength(0);
  });

  test('a channel name or a user id works as Slack allows', async () => {
    const client = botClient(fake);
    expect((await client.chat.postMessage({ channel: '#ops', text: 'by name' })).channel).toBe(OPS);
    const dm = await client.chat.postMessage({ channel: 'U0ALICE0001', text: 'hi alice' });
    expect(dm.channel).toMatch(/^D/);
  });

  test('invalid blocks → invalid_blocks with pointers, and nothing is posted', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    const error = await slackError(botClient(fake).chat.postMessage({ channel: OPS, text: 'x', blocks }));
    expect(error.error).toBe('invalid_blocks');
    expect(error.response_metadata?.messages).toEqual([expect.stringContaining('[json-pointer:/blocks/0/text/text]')]);
    expect(fake.state.messages).toHaveLength(0);
  });

  test('text over 40,000 characters → msg_too_long; nothing at all → no_text', async () => {
    const client = botClient(fake);
    await client.chat.postMessage({ channel: OPS, text: 'y'.repeat(40_000) });
    expect(await slackError(client.chat.postMessage({ channel: OPS, text: 'y'.repeat(40_001) }))).toMatchObject({
      error: 'msg_too_long',
    });
    expect(await slackError(client.apiCall('chat.postMessage', { channel: OPS }))).toMatchObject({ error: 'no_text' });
  });

  test('blocks that are not JSON → invalid_blocks_format', async () => {
    const form = new URLSearchParams({ channel: OPS, text: 'x', blocks: '[{' }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${fake.tokens.bot}` };
    expect(await raw('chat.postMessage', { headers, body: form })).toEqual({
      ok: false,
      error: 'invalid_blocks_format',
    });
  });

  test('threads: replies count on the parent, conversations.replies returns them in order', async () => {
    const client = botClient(fake);
    const parent = await client.chat.postMessage({ channel: OPS, text: 'incident' });
    await client.chat.postMessage({ channel: OPS, text: 'step 1', thread_ts: parent.ts as string });
    await client.chat.postMessage({ channel: OPS, text: 'step 2', thread_ts: parent.ts as string });
    const replies = await client.conversations.replies({ channel: OPS, ts: parent.ts as string });
    expect(replies.messages?.map((m) => m.text)).toEqual(['incident', 'step 1', 'step 2']);
    expect(replies.messages?.[0]).toMatchObject({ reply_count: 2, thread_ts: parent.ts });
    expect(replies.messages?.[1]).toMatchObject({ thread_ts: parent.ts, parent_user_id: fake.workspace.bot.userId });
    expect(fake.state.thread(OPS, parent.ts as string)).toHaveLength(3);
    const history = await client.conversations.history({ channel: OPS });
    expect(history.messages?.map((m) => m.text)).toEqual(['incident']);
    expect(await slackError(client.conversations.replies({ channel: OPS, ts: '1.000000' }))).toMatchObject({
      error: 'thread_not_found',
    });
  });
});

describe('chat.update, chat.delete, chat.postEphemeral', () => {
  test('update rewrites the bot message and keeps its history; blocks left out are kept', async () => {
    const client = botClient(fake);
    const blocks = [
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'approve' }],
      },
    ];
    const posted = await client.chat.postMessage({ channel: OPS, text: 'needs approval', blocks });
    const updated = await client.chat.update({ channel: OPS, ts: posted.ts as string, text: 'approved by alice' });
    expect(updated).toMatchObject({ ok: true, channel: OPS, ts: posted.ts, text: 'approved by alice' });
    const record = fake.state.message(OPS, posted.ts as string);
    expect(record?.blocks).toHaveLength(1);
    await client.chat.update({ channel: OPS, ts: posted.ts as string, text: 'approved by alice', blocks: [] });
    expect(record?.blocks).toBeUndefined();
    expect(record?.history.map((h) => h.text)).toEqual(['needs approval', 'approved by alice']);
    expect(record?.edited?.user).toBe(fake.workspace.bot.userId);
  });

  test("update/delete of an unknown message → message_not_found; of a person's → cant_update_message", async () => {
    const client = botClient(fake);
    expect(await slackError(client.chat.update({ channel: OPS, ts: '1.000001', text: 'x' }))).toMatchObject({
      error: 'message_not_found',
    });
    const { message } = await fake.deliver.userMessage({ user: 'alice', channel: OPS, text: 'hello' });
    expect(await slackError(client.chat.update({ channel: OPS, ts: message.ts, text: 'x' }))).toMatchObject({
      error: 'cant_update_message',
    });
    expect(await slackError(client.chat.delete({ channel: OPS, ts: message.ts }))).toMatchObject({
      error: 'cant_delete_message',
    });
  });

  test('update checks the new blocks like a post', async () => {
    const client = botClient(fake);
    const posted = await client.chat.postMessage({ channel: OPS, text: 'x' });
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(
      await slackError(client.chat.update({ channel: OPS, ts: posted.ts as string, text: 'x', blocks })),
    ).toMatchObject({ error: 'invalid_blocks' });
  });

  test('delete hides the message from queries', async () => {
    const client = botClient(fake);
    const posted = await client.chat.postMessage({ channel: OPS, text: 'oops' });
    expect(await client.chat.delete({ channel: OPS, ts: posted.ts as string })).toMatchObject({
      ok: true,
      channel: OPS,
      ts: posted.ts,
    });
    expect(fake.state.messagesIn(OPS)).toEqual([]);
    expect(fake.state.messagesIn(OPS, { includeDeleted: true })).toHaveLength(1);
  });

  test('ephemeral messages are per user and need the user in the channel', async () => {
    const client = botClient(fake);
    const res = await client.chat.postEphemeral({ channel: OPS, user: 'U0DAVE00001', text: 'you may not' });
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.state.ephemeralsFor('U0DAVE00001').map((e) => e.text)).toEqual(['you may not']);
    expect(fake.state.ephemeralsFor('U0ALICE0001')).toEqual([]);
    expect(fake.state.messagesIn(OPS)).toEqual([]);
    expect(
      await slackError(client.chat.postEphemeral({ channel: 'C0SECRET001', user: 'U0DAVE00001', text: 'x' })),
    ).toMatchObject({ error: 'user_not_in_channel' });
    expect(
      await slackError(client.chat.postEphemeral({ channel: 'C0NOPE00000', user: 'U0DAVE00001', text: 'x' })),
    ).toMatchObject({ error: 'channel_not_found' });
  });
});

describe('other methods', () => {
  test('conversations.info, users.info, reactions.add', async () => {
    const client = botClient(fake);
    expect((await client.conversations.info({ channel: OPS })).channel).toMatchObject({
      id: OPS,
      name: 'ops',
      is_member: true,
      is_private: false,
    });
    expect(await slackError(client.conversations.info({ channel: 'C0HRPRIV001' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect((await client.users.info({ user: 'U0ALICE0001' })).user).toMatchObject({
      id: 'U0ALICE0001',
      name: 'alice',
      is_bot: false,
    });
    expect(await slackError(client.users.info({ user: 'U0NOBODY000' }))).toMatchObject({ error: 'user_not_found' });
    const posted = await client.chat.postMessage({ channel: OPS, text: 'done' });
    await client.reactions.add({ channel: OPS, timestamp: posted.ts as string, name: 'white_check_mark' });
    expect(fake.state.message(OPS, posted.ts as string)?.reactions).toEqual([
      { name: 'white_check_mark', users: [fake.workspace.bot.userId] },
    ]);
    expect(
      await slackError(
        client.reactions.add({ channel: OPS, timestamp: posted.ts as string, name: 'white_check_mark' }),
      ),
    ).toMatchObject({ error: 'already_reacted' });
    expect(
      await slackError(client.reactions.add({ channel: OPS, timestamp: posted.ts as string, name: ':x:' })),
    ).toMatchObject({ error: 'invalid_name' });
  });

  test('every call is logged with its outcome, without the token', async () => {
    const client = botClient(fake);
    await client.chat.postMessage({ channel: OPS, text: 'one' });
    await slackError(client.chat.postMessage({ channel: 'C0NOPE00000', text: 'two' }));
    const calls = fake.state.callsTo('chat.postMessage');
    expect(calls.map((c) => [c.ok, c.error])).toEqual([
      [true, undefined],
      [false, 'channel_not_found'],
    ]);
    expect(calls[0]?.args).toMatchObject({ channel: OPS, text: 'one' });
    expect(JSON.stringify(calls)).not.toContain(fake.tokens.bot);
  });

  test('changes are streamed to subscribers', async () => {
    const seen: string[] = [];
    const stop = fake.state.subscribe((change) => seen.push(change.type));
    await botClient(fake).chat.postMessage({ channel: OPS, text: 'live' });
    stop();
    await botClient(fake).chat.postMessage({ channel: OPS, text: 'after' });
    expect(seen).toEqual(['message', 'api_call']);
  });
});

describe('the server', () => {
  test('extra routes share the port and are tried first; Slack routes still answer', async () => {
    const withPage = await startSlackFake({
      extraRoutes: (req, res) => {
        if (req.url !== '/console') return false;
        res.end('console page');
        return true;
      },
    });
    try {
      expect(await (await fetch(`${withPage.url}/console`)).text()).toBe('console page');
      expect(await (await fetch(`${withPage.apiUrl}auth.test`, { method: 'POST' })).json()).toEqual({
        ok: false,
        error: 'not_authed',
      });
      expect((await fetch(`${withPage.url}/elsewhere`)).status).toBe(404);
    } finally {
      await withPage.close();
    }
  });

  test('listens on loopback only, at the URL it reports', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.apiUrl).toBe(`${fake.url}/api/`);
  });
});
