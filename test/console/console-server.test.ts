import { EVENT_BOUND_MS } from '../support/bounds.js';
import { request } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { startConsole, workspaceSeedOf, type RunningConsole } from '@recio/console/index';
import { startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';
import { renderTimelinePng } from '@recio/bot/incidents/timeline-picture/render-timeline';
import { botClient } from '../emulator/clients.js';
import { readPng } from '../support/png.js';
import { postJson, rawRequest } from './http-client.js';

/** The console's server side without a browser: loopback only, request checks, per-user state, the event stream. */
const OPS = 'C0OPS000001';
const ALICE = 'U0ALICE0001';
const BOB = 'U0BOB000001';
const MODE = { label: 'test console' };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(
  options: { port?: number; seeded?: boolean } = {},
): Promise<{ emulator: SlackEmulator; console: RunningConsole; base: string }> {
  const emulator = await startSlackEmulator(options.seeded === false ? {} : { workspace: workspaceSeedOf() });
  cleanup.push(() => emulator.close());
  const running = await startConsole({
    emulator,
    mode: MODE,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  cleanup.push(() => running.close());
  return { emulator, console: running, base: running.url.replace(/\/$/, '') };
}

describe('loopback only', () => {
  test.each(['0.0.0.0', '::', '192.168.1.10', 'example.com'])('refuses to listen on %s', async (host) => {
    const emulator = await startSlackEmulator();
    cleanup.push(() => emulator.close());
    await expect(startConsole({ emulator, host, port: 0, mode: MODE })).rejects.toThrow(/loopback only/);
  });

  test('on its own port it listens on 127.0.0.1 and serves the page there', async () => {
    const { console: running, emulator } = await start({ port: 0 });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(running.url).not.toBe(`${emulator.url}/`);
    const page = await rawRequest(running.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/console/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  test('a page from another name (DNS rebinding) or another origin gets 403, our own gets through', async () => {
    const { base } = await start();
    const port = new URL(base).port;
    for (const path of ['/', '/events', `/api/state?user=${ALICE}`, '/console/app.js']) {
      expect((await rawRequest(`${base}${path}`, { headers: { host: `evil.example:${port}` } })).status).toBe(403);
    }
    const command = { user: ALICE, channel: OPS, command: '/recio', text: 'status' };
    expect((await postJson(`${base}/api/command`, command, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await postJson(`${base}/api/command`, command, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await postJson(`${base}/api/command`, command, { origin: 'null' })).status).toBe(403);
    expect((await postJson(`${base}/api/command`, command, { origin: `https://127.0.0.1:${port}` })).status).toBe(403);
    // Our own origin passes the guard (and then fails only because no bot is listening).
    const own = await postJson(`${base}/api/command`, command, {
      origin: `http://localhost:${port}`,
      host: `localhost:${port}`,
    });
    expect(own.status).toBe(409);
    expect(own.json().error).toMatch(/no way to reach the bot/);
  });
});

describe('the JSON API', () => {
  test('request bodies are checked with zod before anything reaches the emulator', async () => {
    const { base, emulator } = await start();
    const cases: Array<[unknown, number, RegExp]> = [
      [{ user: ALICE, channel: OPS, command: '/recio' }, 400, /text/],
      [{ user: 'alice', channel: OPS, command: '/recio', text: 'status' }, 400, /user id/],
      [{ user: ALICE, channel: '#ops', command: '/recio', text: 'status' }, 400, /conversation id/],
      [{ user: ALICE, channel: OPS, command: '/recio', text: 'status', extra: 1 }, 400, /extra/],
      [{ user: 'U0NOBODY001', channel: OPS, command: '/recio', text: 'status' }, 400, /no user U0NOBODY001/],
      [{ user: 'U0RECIOBOT1', channel: OPS, command: '/recio', text: 'status' }, 400, /no user U0RECIOBOT1/],
      [{ user: ALICE, channel: OPS, command: '/deploy', text: 'prod' }, 404, /not a valid command/],
    ];
    for (const [body, status, error] of cases) {
      const res = await postJson(`${base}/api/command`, body);
      expect({ status: res.status, error: res.json().error }).toEqual({ status, error: expect.stringMatching(error) });
    }
    const form = await rawRequest(`${base}/api/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=x',
    });
    expect(form.status).toBe(415);
    const huge = await postJson(`${base}/api/message`, { user: ALICE, channel: OPS, text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    const badClick = await postJson(`${base}/api/click`, { user: ALICE, channel: OPS, actionId: 'approve' });
    expect(badClick.status).toBe(400);
    expect(emulator.state.deliveries).toEqual([]);
  });

  test('a person can only act in conversations they are in', async () => {
    // The emulator's default workspace: #hr-private holds alice only.
    const { base, emulator } = await start({ seeded: false });
    const res = await postJson(`${base}/api/message`, { user: BOB, channel: 'C0HRPRIV001', text: 'hello' });
    expect(res.status).toBe(403);
    expect(emulator.state.messages).toEqual([]);
    const state = (await rawRequest(`${base}/api/state?user=bob`)).json<{ channels: Array<{ name: string }> }>();
    expect(state.channels.map((c) => c.name)).not.toContain('hr-private');
  });

  test("typed text is escaped and its @names and #channels encoded, as Slack's client does", async () => {
    const { base, emulator } = await start();
    const res = await postJson(`${base}/api/message`, {
      user: ALICE,
      channel: OPS,
      text: '@bob see #incidents: a<b & c>d @nobody',
    });
    expect(res.status).toBe(200);
    expect(emulator.state.messagesIn(OPS)[0]?.text).toBe(
      `<@${BOB}> see <#C0INCIDENT1|incidents>: a&lt;b &amp; c&gt;d @nobody`,
    );
  });

  test('/api/state shows each user their own ephemerals and modal only; the ops channel comes first', async () => {
    const { base, emulator } = await start();
    const client = botClient(emulator);
    await client.chat.postMessage({ channel: OPS, text: 'for all' });
    await client.chat.postEphemeral({ channel: OPS, user: ALICE, text: 'for alice' });
    type State = {
      me: string;
      mode: { label: string };
      channels: Array<{ id: string }>;
      messages: Array<{ text: string }>;
      ephemerals: Array<{ text: string }>;
      modal: unknown;
      users: Array<{ name: string; role?: string }>;
    };
    const alice = (await rawRequest(`${base}/api/state?user=${ALICE}`)).json<State>();
    const bob = (await rawRequest(`${base}/api/state?user=bob`)).json<State>();
    expect(alice.ephemerals.map((e) => e.text)).toEqual(['for alice']);
    expect(bob).toMatchObject({
      me: BOB,
      ephemerals: [],
      messages: [expect.objectContaining({ text: 'for all' })],
      modal: null,
      mode: MODE,
    });
    expect(bob.channels[0]?.id).toBe(OPS);
    expect(bob.users.filter((u) => u.role).map((u) => `${u.name}:${u.role}`)).toEqual([
      'alice:lead_operator',
      'bob:lead_operator',
      'carol:system_architect',
    ]);
    expect((await rawRequest(`${base}/api/state`)).json<State>().me).toBe(ALICE);
    expect((await rawRequest(`${base}/api/state?user=mallory`)).status).toBe(400);
  });
});

describe('the event stream and the shared port', () => {
  test(
    '/events says that something changed and where, never what: ' + "an ephemeral's text stays off the stream",
    async () => {
      const { base, emulator } = await start();
      const frames: string[] = [];
      const stream = request(`${base}/events`);
      const gotHello = new Promise<void>((resolve, reject) => {
        stream.on('response', (res) => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            frames.push(chunk);
            if (chunk.includes('event: hello')) resolve();
          });
        });
        stream.on('error', reject);
      });
      stream.end();
      cleanup.push(async () => void stream.destroy());
      await gotHello;
      const client = botClient(emulator);
      await client.chat.postEphemeral({ channel: OPS, user: ALICE, text: 'secret-ish' });
      await client.chat.postMessage({ channel: OPS, text: 'public' });
      await expect
        .poll(() => frames.join('').match(/event: change/g)?.length ?? 0, { timeout: EVENT_BOUND_MS })
        .toBe(2);
      const all = frames.join('');
      expect(all).toContain(`"type":"ephemeral","channel":"${OPS}","user":"${ALICE}"`);
      expect(all).toContain(`"type":"message","channel":"${OPS}"`);
      expect(all).not.toContain('secret-ish');
      expect(all).not.toContain('public');
    },
  );

  test("mounted on the emulator, the console leaves Slack's paths alone and leaves with close()", async () => {
    const { base, emulator, console: running } = await start();
    expect(base).toBe(emulator.url);
    expect((await botClient(emulator).auth.test()).ok).toBe(true);
    expect((await rawRequest(`${base}/`)).status).toBe(200);
    await running.close();
    expect((await rawRequest(`${base}/`)).status).toBe(404);
    expect((await botClient(emulator).auth.test()).ok).toBe(true);
  });

  test("only the page's own files are served, never a path", async () => {
    const { base } = await start();
    expect((await rawRequest(`${base}/console/app.js`)).headers['content-type']).toMatch(/^text\/javascript/);
    for (const path of [
      '/console/../package.json',
      '/console/%2e%2e%2fpackage.json',
      '/console/nope.js',
      '/console/files/F000',
    ]) {
      expect((await rawRequest(`${base}${path}`)).status, path).toBeGreaterThanOrEqual(400);
    }
  });
});

describe("an incident's timeline picture", () => {
  test(
    "served by the incident's id once its report shares it, linked from the incident's parent; " +
      'unknown or malformed ids are 404 / not served',
    async () => {
      const { base, emulator } = await start();
      const client = botClient(emulator);
      const parent = await client.chat.postMessage({ channel: OPS, text: 'Incident: kalshi feed stale' });
      expect((await rawRequest(`${base}/console/incidents/1a2b3c4d/timeline.png`)).status).toBe(404);
      const png = await renderTimelinePng({
        incidentId: '1a2b3c4d-0000-4000-8000-000000000000',
        title: 'Kalshi feed stale',
        from: new Date('2026-12-03T03:00:00Z'),
        to: new Date('2026-12-03T03:10:00Z'),
        marks: [{ what: 'detected', at: new Date('2026-12-03T03:00:00Z'), by: 'monitor' }],
        steps: [],
        feeds: [],
      });
      await client.filesUploadV2({
        channel_id: OPS,
        thread_ts: parent.ts!,
        file_uploads: [
          { content: '# report', filename: 'incident-1a2b3c4d.md' },
          { file: png, filename: 'incident-1a2b3c4d-timeline.png' },
        ],
      });
      const served = await fetch(`${base}/console/incidents/1a2b3c4d/timeline.png`);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await served.arrayBuffer());
      expect(bytes.equals(png)).toBe(true);
      expect(readPng(bytes).width).toBeGreaterThan(100);
      const state = (await (await fetch(`${base}/api/state?user=${ALICE}`)).json()) as {
        messages: Array<{ ts: string; timelinePicture?: string }>;
      };
      expect(state.messages.find((m) => m.ts === parent.ts)?.timelinePicture).toBe(
        '/console/incidents/1a2b3c4d/timeline.png',
      );
      expect((await rawRequest(`${base}/console/incidents/ffffffff/timeline.png`)).status).toBe(404);
      expect((await rawRequest(`${base}/console/incidents/../timeline.png`)).status).toBeGreaterThanOrEqual(400);
      expect((await rawRequest(`${base}/console/incidents/1A2B3C4D/timeline.png`)).status).toBeGreaterThanOrEqual(400);
    },
  );
});
