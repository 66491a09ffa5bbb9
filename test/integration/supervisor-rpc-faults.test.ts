import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AgentConfig, AgentConfigSchema } from '@recio/agent/agent-config';
import { dispatch } from '@recio/agent/dispatch';
import type { ActionResult } from '@recio/protocol/messages';
import { startSupervisord, type Supervisord } from '../support/supervisord.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * A socket that is missing, refuses, answers garbage or hangs, and a supervisord restarted under
 * the agent. What was not delivered falls back to the supervisorctl argv; what may have been
 * delivered is reported, never sent again (the program's pid proves nothing else ran).
 */
const PROGRAMS = ['trade_executor'] as const;
let dir: string;
let supervisor: Supervisord;
let seq = 0;
const servers: Server[] = [];

beforeAll(async () => {
  dir = await ownedTempDir('rpc-faults');
  supervisor = await startSupervisord(join(dir, 'supervisor'), PROGRAMS);
});

afterAll(async () => {
  for (const server of servers) server.close();
  await supervisor?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (supervisord: Record<string, unknown>, supervisorctl = supervisor.supervisorctl): AgentConfig =>
  AgentConfigSchema.parse({ services: [...PROGRAMS], supervisorctl, supervisord });

const run = (
  agent: AgentConfig,
  action: string,
  params: Record<string, unknown> = {},
  timeoutMs = 60_000,
): Promise<ActionResult> =>
  dispatch({ v: 1, id: `fault-${++seq}`, action, params, timeoutMs }, agent, { signal: new AbortController().signal });

/** A unix socket server that counts the requests it gets and answers each with `answer` (or never). */
async function fakeSupervisord(
  name: string,
  answer: string | undefined,
): Promise<{ path: string; requests: () => number }> {
  const path = join(dir, name);
  let requests = 0;
  const server = createServer((socket: Socket) => {
    socket.on('data', (data) => {
      if (data.toString().includes('POST /RPC2')) requests++;
      if (answer !== undefined) socket.end(answer);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, requests: () => requests };
}

describe('a socket that cannot answer', () => {
  test('missing, or a file that refuses connections: the supervisorctl argv answers instead', async () => {
    const refusing = join(dir, 'not-a-socket');
    await writeFile(refusing, '');
    // The uptime ticks between two reads: name, state and pid say it is the same answer.
    const programs = (result: ActionResult) =>
      (result.data as { programs: { name: string; state: string; pid: number }[] }).programs.map(
        ({ name, state, pid }) => ({ name, state, pid }),
      );
    const viaArgv = await run(config({ via: 'supervisorctl' }), 'service.status');
    expect(viaArgv.ok).toBe(true);
    for (const socket of [join(dir, 'missing.sock'), refusing]) {
      const result = await run(config({ socket }), 'service.status');
      expect(result.ok, JSON.stringify(result.error)).toBe(true);
      expect(programs(result)).toEqual(programs(viaArgv));
    }
  });

  test("missing with supervisorctl unable too: the argv path's own error, word for word", async () => {
    const conf = join(dir, 'elsewhere.conf');
    await writeFile(conf, `[supervisorctl]\nserverurl=unix://${join(dir, 'gone.sock')}\n`);
    const argvOnly = await run(config({ via: 'supervisorctl' }, ['supervisorctl', '-c', conf]), 'service.status');
    const auto = await run(config({}, ['supervisorctl', '-c', conf]), 'service.status');
    expect(argvOnly.ok).toBe(false);
    expect(argvOnly.error?.message).toContain('gone.sock');
    expect({ ...auto, durationMs: 0 }).toEqual({ ...argvOnly, durationMs: 0 });
  });

  test('garbage: a clear error, and a stop is sent once and not handed to supervisorctl', async () => {
    const garbage = await fakeSupervisord('garbage.sock', 'HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\nhello');
    const status = await run(config({ socket: garbage.path }), 'service.status');
    expect(status).toMatchObject({ ok: false, error: { code: 'action_failed' } });
    expect(status.error?.message).toContain('not an XML-RPC answer');
    const before = await supervisor.program('trade_executor');
    const stop = await run(config({ socket: garbage.path }), 'service.stop', { service: 'trade_executor' });
    expect(stop).toMatchObject({ ok: false, error: { code: 'action_failed' } });
    expect(garbage.requests()).toBe(2);
    expect(await supervisor.program('trade_executor')).toMatchObject({ state: 'RUNNING', pid: before.pid });
  });

  test("hangs: the request's deadline ends it as a timeout, and the stop is not retried", async () => {
    const hung = await fakeSupervisord('hung.sock', undefined);
    const status = await run(config({ socket: hung.path }), 'service.status', {}, 1_500);
    expect(status).toMatchObject({ ok: false, timedOut: true, error: { code: 'step_timeout' } });
    const before = await supervisor.program('trade_executor');
    const stop = await run(config({ socket: hung.path }), 'service.stop', { service: 'trade_executor' }, 1_500);
    expect(stop).toMatchObject({ ok: false, timedOut: true, error: { code: 'step_timeout' } });
    expect(hung.requests()).toBe(2);
    expect(await supervisor.program('trade_executor')).toMatchObject({ state: 'RUNNING', pid: before.pid });
  });

  test('a wrong password is refused before anything runs: the argv (with the right one) answers', async () => {
    const wrong = config({ socket: supervisor.socket, username: 'nobody', password: 'wrong-password' });
    // Our supervisord has no auth, so it accepts any: ask a fake that answers 401 as supervisord does.
    const guarded = await fakeSupervisord('guarded.sock', 'HTTP/1.0 401 Unauthorized\r\n\r\nUnauthorized');
    const refused = await run(
      { ...wrong, supervisord: { ...wrong.supervisord, socket: guarded.path } },
      'service.stop',
      {
        service: 'trade_executor',
      },
    );
    expect(refused, JSON.stringify(refused.error)).toMatchObject({ ok: true, data: { state: 'STOPPED' } });
    // The stop, then the status read that checks it: each refused, each answered by supervisorctl.
    expect(guarded.requests()).toBe(2);
    const started = await run(config({}), 'service.start', { service: 'trade_executor', waitSeconds: 30 });
    expect(started, JSON.stringify(started.error)).toMatchObject({ ok: true, data: { state: 'RUNNING' } });
  });

  test('supervisord restarted under the agent: the next call reaches the new one', async () => {
    // supervisorctl is /bin/false: only XML-RPC can answer.
    const agent = config({ socket: supervisor.socket }, ['/bin/false']);
    expect((await run(agent, 'service.status')).ok).toBe(true);
    await supervisor.stop();
    const down = await run(agent, 'service.status');
    expect(down.ok).toBe(false);
    supervisor = await startSupervisord(join(dir, 'supervisor'), PROGRAMS);
    const again = await run(agent, 'service.status');
    expect(again, JSON.stringify(again.error)).toMatchObject({ ok: true });
    expect((again.data as { programs: { state: string }[] }).programs[0]?.state).toBe('RUNNING');
  }, 120_000);
});
