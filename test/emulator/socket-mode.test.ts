import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, silentLogger, slackError } from './clients.js';
import { EVENT_BOUND_MS } from '../support/bounds.js';

/** Socket Mode against @slack/socket-mode's own client: connect, receive, ack, redelivery. */
let fake: SlackFake | undefined;
let client: SocketModeClient | undefined;
afterEach(async () => {
  await client?.disconnect();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

const OPS = 'C0OPS000001';

function socketClient(f: SlackFake, appToken = f.tokens.app): SocketModeClient {
  return new SocketModeClient({
    appToken,
    logger: silentLogger as never,
    autoReconnectEnabled: false,
    clientOptions: { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 } },
  });
}

interface Received {
  type: string;
  body: Record<string, unknown>;
  envelopeId: string;
  retryNum?: number;
  ack: (response?: Record<string, unknown>) => Promise<void>;
}

function collect(c: SocketModeClient): Received[] {
  const seen: Received[] = [];
  c.on(
    'slack_event',
    (args: {
      type: string;
      body: Record<string, unknown>;
      envelope_id: string;
      retry_num?: number;
      ack: Received['ack'];
    }) => {
      seen.push({
        type: args.type,
        body: args.body,
        envelopeId: args.envelope_id,
        ack: args.ack,
        ...(args.retry_num !== undefined ? { retryNum: args.retry_num } : {}),
      });
    },
  );
  return seen;
}

describe('connecting', () => {
  test('apps.connections.open takes the xapp- token and hands out a loopback WebSocket URL', async () => {
    fake = await startSlackFake();
    const res = await botClient(fake, { headers: {} }).apps.connections.open({ token: fake.tokens.app });
    expect(res.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
    expect(await slackError(botClient(fake).apps.connections.open({}))).toMatchObject({
      error: 'not_allowed_token_type',
    });
  });

  test('a real SocketModeClient connects (hello) and the URL cannot be used twice', async () => {
    fake = await startSlackFake();
    client = socketClient(fake);
    await client.start();
    expect(fake.socketMode.connectionCount).toBe(1);
    const used = client as unknown as { connectionResponse?: { url?: string } };
    const replay = await new Promise<number>((resolve) => {
      const ws = new WebSocket(used.connectionResponse?.url as string);
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('error', () => resolve(401));
    });
    expect(replay).toBe(401);
  });

  test('a wrong app token cannot connect', async () => {
    fake = await startSlackFake();
    client = socketClient(fake, 'xapp-1-wrong');
    await expect(client.start()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });
});

describe('envelopes', () => {
  test('a slash command arrives as a slash_commands envelope; the ack payload is the immediate response', async () => {
    fake = await startSlackFake();
    client = socketClient(fake);
    const seen = collect(client);
    client.on('slash_commands', async ({ ack }: { ack: Received['ack'] }) => ack({ text: 'Checking status…' }));
    await client.start();
    const delivery = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    expect(delivery.transport).toBe('socket');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'slash_commands',
      envelopeId: delivery.envelopeId,
      body: { command: '/recio', text: 'status', user_id: 'U0ALICE0001', channel_id: OPS },
    });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ outcome: 'acked', ackPayload: { text: 'Checking status…' } }),
    ]);
    expect(fake.state.ephemeralsFor('U0ALICE0001').map((e) => e.text)).toEqual(['Checking status…']);
  });

  test('interactions arrive as interactive, events as events_api with retry fields', async () => {
    fake = await startSlackFake();
    client = socketClient(fake);
    const seen = collect(client);
    client.on('slack_event', ({ ack }: { ack: Received['ack'] }) => ack());
    await client.start();
    await botClient(fake, { retryConfig: { retries: 0 } }).chat.postMessage({
      channel: OPS,
      text: 'Approve?',
      blocks: [
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'approve', value: 'apv_9' },
          ],
        },
      ],
    });
    await fake.deliver.click({ user: 'bob', channel: OPS, actionId: 'approve' });
    await fake.deliver.userMessage({ user: 'alice', channel: OPS, text: `<@${fake.workspace.bot.userId}> help` });
    expect(seen.map((s) => s.type)).toEqual(['interactive', 'events_api']);
    expect(seen[0]?.body).toMatchObject({ type: 'block_actions', actions: [{ action_id: 'approve', value: 'apv_9' }] });
    expect(seen[1]).toMatchObject({ retryNum: 0, body: { type: 'event_callback', event: { type: 'app_mention' } } });
  });

  test('an envelope not acked in time comes again with the same envelope_id and retry_attempt + 1', async () => {
    fake = await startSlackFake({ socketMode: { ackTimeoutMs: 500, maxRetries: 3 } });
    client = socketClient(fake);
    const seen = collect(client);
    client.on('slack_event', async (args: { ack: Received['ack']; retry_num?: number }) => {
      // Drop the first two deliveries on the floor, like a bot that crashed before acking.
      if (seen.length >= 3) await args.ack();
    });
    await client.start();
    const delivery = await fake.deliver.event({ type: 'app_home_opened', user: 'U0ALICE0001', tab: 'home' });
    expect(seen.map((s) => s.envelopeId)).toEqual([delivery.envelopeId, delivery.envelopeId, delivery.envelopeId]);
    expect(seen.map((s) => s.retryNum)).toEqual([0, 1, 2]);
    expect(delivery.attempts.map((a) => [a.retryNum, a.outcome])).toEqual([
      [0, 'timed_out'],
      [1, 'timed_out'],
      [2, 'acked'],
    ]);
  });

  test('a slash command or a click never acked is not sent again (only Events API envelopes are)', async () => {
    fake = await startSlackFake({ socketMode: { ackTimeoutMs: 50, maxRetries: 2 } });
    client = socketClient(fake);
    const seen = collect(client);
    await client.start();
    const command = await fake.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'status' });
    expect(seen).toHaveLength(1);
    expect(command.attempts.map((a) => a.outcome)).toEqual(['timed_out']);
    await botClient(fake, { retryConfig: { retries: 0 } }).chat.postMessage({
      channel: OPS,
      text: 'Go?',
      blocks: [
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go' }] },
      ],
    });
    const click = await fake.deliver.click({ user: 'alice', channel: OPS, actionId: 'go' });
    expect(click.attempts.map((a) => a.outcome)).toEqual(['timed_out']);
    const event = await fake.deliver.event({ type: 'app_home_opened', user: 'U0ALICE0001', tab: 'home' });
    expect(event.attempts.map((a) => [a.retryNum, a.outcome])).toEqual([
      [0, 'timed_out'],
      [1, 'timed_out'],
      [2, 'timed_out'],
    ]);
    expect(seen).toHaveLength(5);
  });

  test('a disconnect message makes the client drop the connection', async () => {
    fake = await startSlackFake();
    client = socketClient(fake);
    await client.start();
    const closed = new Promise<void>((resolve) => client?.once('disconnected', () => resolve()));
    fake.socketMode.sendDisconnect('refresh_requested');
    await closed;
    await vi.waitFor(() => expect(fake?.socketMode.connectionCount).toBe(0), { timeout: EVENT_BOUND_MS });
  });
});
