import { afterEach, describe, expect, test } from 'vitest';
import { WebClientEvent } from '@slack/web-api';
import { createManualClock } from '@recio/slack-emulator/index';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, silentLogger } from './clients.js';

/**
 * Rate limits over the wire: HTTP 429, `Retry-After` in whole seconds, `{ok:false,
 * error:"ratelimited"}`; and a real WebClient, which honours Retry-After, still delivers.
 */
let fake: SlackFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const OPS = 'C0OPS000001';

function post(f: SlackFake, method: string, args: Record<string, string>) {
  return fetch(`${f.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${f.tokens.bot}` },
    body: new URLSearchParams(args).toString(),
  });
}

describe('chat.postMessage: one per second per channel', () => {
  test('the second post within the second is refused with 429 and Retry-After, and not recorded', async () => {
    const clock = createManualClock();
    fake = await startSlackFake({ clock });
    expect((await post(fake, 'chat.postMessage', { channel: OPS, text: 'one' })).status).toBe(200);
    const refused = await post(fake, 'chat.postMessage', { channel: OPS, text: 'two' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ ok: false, error: 'ratelimited' });
    // Other channels are not affected.
    expect((await post(fake, 'chat.postMessage', { channel: 'C0INCIDENT1', text: 'elsewhere' })).status).toBe(200);
    expect(fake.state.messagesIn(OPS).map((m) => m.text)).toEqual(['one']);
    clock.advance(1000);
    expect((await post(fake, 'chat.postMessage', { channel: OPS, text: 'three' })).status).toBe(200);
    expect(fake.state.callsTo('chat.postMessage').map((c) => c.httpStatus)).toEqual([200, 429, 200, 200]);
  });

  test('a WebClient that honours Retry-After gets every message through, in order', async () => {
    // The emulation's second passes only when the client reports it is waiting out Retry-After,
    // so the retry can succeed only if the client really waited and asked again.
    const clock = createManualClock();
    fake = await startSlackFake({ clock });
    const limited: number[] = [];
    const client = botClient(fake, { retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 0 } });
    client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => {
      limited.push(seconds);
      clock.advance(seconds * 1000);
    });
    await client.chat.postMessage({ channel: OPS, text: 'first' });
    await client.chat.postMessage({ channel: OPS, text: 'second' });
    expect(limited).toEqual([1]);
    expect(fake.state.messagesIn(OPS).map((m) => m.text)).toEqual(['first', 'second']);
    expect(fake.state.callsTo('chat.postMessage').map((c) => c.httpStatus)).toEqual([200, 429, 200]);
  });

  test('a client that refuses to wait gets a rate-limit error it can see', async () => {
    fake = await startSlackFake({ clock: createManualClock() });
    const client = botClient(fake, { rejectRateLimitedCalls: true, logger: silentLogger });
    await client.chat.postMessage({ channel: OPS, text: 'first' });
    await expect(client.chat.postMessage({ channel: OPS, text: 'second' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 1,
    });
  });
});

describe('tiers', () => {
  test('chat.update past its tier is refused the same way (limit forced low for the test)', async () => {
    fake = await startSlackFake({
      clock: createManualClock(),
      rateLimits: { methods: { 'chat.update': { perMinute: 2, burst: 2 } } },
    });
    const client = botClient(fake);
    const posted = await client.chat.postMessage({ channel: OPS, text: 'v0' });
    for (const text of ['v1', 'v2']) await client.chat.update({ channel: OPS, ts: posted.ts as string, text });
    const refused = await post(fake, 'chat.update', { channel: OPS, ts: posted.ts as string, text: 'v3' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(fake.state.message(OPS, posted.ts as string)?.text).toBe('v2');
  });

  test('by default chat.update allows a burst of 50 and refuses the 51st', async () => {
    fake = await startSlackFake({ clock: createManualClock() });
    const client = botClient(fake);
    const posted = await client.chat.postMessage({ channel: OPS, text: 'v0' });
    for (let i = 1; i <= 50; i += 1) await client.chat.update({ channel: OPS, ts: posted.ts as string, text: `v${i}` });
    expect((await post(fake, 'chat.update', { channel: OPS, ts: posted.ts as string, text: 'v51' })).status).toBe(429);
  });

  test('a bad token is answered before the rate limiter counts anything', async () => {
    fake = await startSlackFake({ rateLimits: { methods: { 'auth.test': { perMinute: 1, burst: 1 } } } });
    const bad = await fetch(`${fake.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-bad' },
    });
    expect(await bad.json()).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await post(fake, 'auth.test', {})).status).toBe(200);
  });
});
