import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AgentConfig, AgentConfigSchema } from '@recio/agent/agent-config';
import { dispatch } from '@recio/agent/dispatch';
import { supervisordEndpoint } from '@recio/agent/supervisor-endpoint';
import type { ActionResult } from '@recio/protocol/messages';
import { startSupervisord, type Supervisord } from '../support/supervisord.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * Every service action run both ways against one real supervisord (with a password on its socket):
 * XML-RPC on the unix socket, and the supervisorctl argv. The XML-RPC config's supervisorctl is
 * /bin/false, so an answer there cannot have come from the argv.
 */
const PROGRAMS = ['trade_manager', 'trade_executor'] as const;
const AUTH = { username: 'recio', password: 'socket-secret-1' };
let dir: string;
let supervisor: Supervisord;
let viaRpc: AgentConfig;
let viaArgv: AgentConfig;
let seq = 0;

beforeAll(async () => {
  dir = await ownedTempDir('rpc');
  supervisor = await startSupervisord(join(dir, 'supervisor'), PROGRAMS, { auth: AUTH });
  // btc_price_watchdog is allowed here but not a program supervisord has.
  const services = [...PROGRAMS, 'btc_price_watchdog'];
  viaRpc = AgentConfigSchema.parse({
    services,
    supervisorctl: ['/bin/false'],
    supervisord: { socket: supervisor.socket, ...AUTH },
  });
  viaArgv = AgentConfigSchema.parse({
    services,
    supervisorctl: supervisor.supervisorctl,
    supervisord: { via: 'supervisorctl' },
  });
});

afterAll(async () => {
  await supervisor?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (config: AgentConfig, action: string, params: Record<string, unknown> = {}): Promise<ActionResult> =>
  dispatch({ v: 1, id: `rpc-${++seq}`, action, params, timeoutMs: 90_000 }, config, {
    signal: new AbortController().signal,
  });

/** What must be equal both ways: all but durations and the uptime clock, which ticks between the two. */
function comparable(result: ActionResult): unknown {
  const { durationMs: _, ...rest } = result;
  return JSON.parse(
    JSON.stringify(rest, (key, value) =>
      key === 'uptime' || key === 'uptimeSeconds'
        ? typeof value
        : key === 'description' && typeof value === 'string'
          ? value.replace(/uptime [\d:, days]+$/, 'uptime …')
          : value,
    ),
  );
}

describe('supervisord over XML-RPC and over supervisorctl give the same results', () => {
  test('the socket and its credentials are read from the config supervisorctl is given (-c)', () => {
    const derived = supervisordEndpoint(AgentConfigSchema.parse({ supervisorctl: supervisor.supervisorctl }));
    expect(derived).toEqual({ socket: supervisor.socket, ...AUTH });
    expect(supervisordEndpoint(viaArgv)).toBeUndefined();
  });

  test('service.status streams what supervisorctl prints, line for line', async () => {
    const streamed = async (config: AgentConfig, params: Record<string, unknown>) => {
      let out = '';
      await dispatch({ v: 1, id: `rpc-${++seq}`, action: 'service.status', params, timeoutMs: 60_000 }, config, {
        signal: new AbortController().signal,
        onChunk: (_stream, data) => {
          out += data;
        },
      });
      return out.replace(/uptime [\d:, days]+$/gm, 'uptime …');
    };
    for (const params of [{}, { service: 'trade_executor' }, { service: 'btc_price_watchdog' }]) {
      const printed = await streamed(viaArgv, params);
      expect(printed).not.toBe('');
      expect(await streamed(viaRpc, params)).toBe(printed);
    }
  });

  test('service.status: every program, one program, a program supervisord does not have', async () => {
    const all = await run(viaRpc, 'service.status');
    expect(all.ok, JSON.stringify(all.error)).toBe(true);
    expect((all.data as { programs: unknown[] }).programs).toHaveLength(PROGRAMS.length);
    expect(comparable(all)).toEqual(comparable(await run(viaArgv, 'service.status')));
    const one = await run(viaRpc, 'service.status', { service: 'trade_executor' });
    expect(one.ok).toBe(true);
    expect(comparable(one)).toEqual(comparable(await run(viaArgv, 'service.status', { service: 'trade_executor' })));
    const unknown = await run(viaRpc, 'service.status', { service: 'btc_price_watchdog' });
    expect(unknown).toMatchObject({ ok: false, exitCode: 4 });
    expect(comparable(unknown)).toEqual(
      comparable(await run(viaArgv, 'service.status', { service: 'btc_price_watchdog' })),
    );
  });

  test('service.stop, service.tail of the stopped program, service.start, twice each', async () => {
    for (const config of [viaArgv, viaRpc]) {
      const stopped = await run(config, 'service.stop', { service: 'trade_executor' });
      expect(stopped, JSON.stringify(stopped.error)).toMatchObject({
        ok: true,
        data: { service: 'trade_executor', state: 'STOPPED', pid: null },
      });
      // Stopping what is stopped is fine both ways (supervisord's NOT_RUNNING fault, supervisorctl's error line).
      expect(comparable(await run(config, 'service.stop', { service: 'trade_executor' }))).toEqual(comparable(stopped));
    }
    // Stopped, its log no longer grows: the tails must match line for line.
    const tailRpc = await run(viaRpc, 'service.tail', { service: 'trade_executor', lines: 20 });
    const tailArgv = await run(viaArgv, 'service.tail', { service: 'trade_executor', lines: 20 });
    expect((tailRpc.data as { lines: string[] }).lines.at(-1)).toBe('trade_executor stopping');
    expect(comparable(tailRpc)).toEqual(comparable(tailArgv));
    for (const config of [viaArgv, viaRpc]) {
      const started = await run(config, 'service.start', { service: 'trade_executor', waitSeconds: 20 });
      expect(started, JSON.stringify(started.error)).toMatchObject({ ok: true, data: { state: 'RUNNING' } });
      const again = await run(config, 'service.start', { service: 'trade_executor', waitSeconds: 20 });
      expect(again).toMatchObject({ ok: true, data: { alreadyRunning: true } });
    }
  });

  test('service.restart: a new pid both ways; ' +
    'a program that crashes at start fails both ways with its tail', async () => {
    for (const config of [viaArgv, viaRpc]) {
      const before = await supervisor.program('trade_manager');
      const restarted = await run(config, 'service.restart', { service: 'trade_manager', waitSeconds: 20 });
      expect(restarted, JSON.stringify(restarted.error)).toMatchObject({
        ok: true,
        data: { service: 'trade_manager', state: 'RUNNING', previousPid: before.pid },
      });
      expect((restarted.data as { pid: number }).pid).not.toBe(before.pid);
    }
    await supervisor.setMode('trade_manager', 'crash');
    try {
      const failedBoth = [];
      for (const config of [viaArgv, viaRpc]) {
        const result = await run(config, 'service.restart', { service: 'trade_manager', waitSeconds: 80 });
        expect(result.ok).toBe(false);
        const data = result.data as { state: string; tail: string[] };
        expect(data.state).toBe('FATAL');
        expect(data.tail.at(-1)).toContain('FATAL: could not connect');
        failedBoth.push({ code: result.error?.code, exitCode: result.exitCode, state: data.state });
      }
      expect(failedBoth[1]).toEqual(failedBoth[0]);
    } finally {
      await supervisor.setMode('trade_manager', 'ok');
    }
    const back = await run(viaRpc, 'service.start', { service: 'trade_manager', waitSeconds: 20 });
    expect(back, JSON.stringify(back.error)).toMatchObject({ ok: true, data: { state: 'RUNNING' } });
  }, 240_000);
});
