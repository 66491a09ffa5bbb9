import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Hosts } from '@recio/bot/hosts/fleet-hosts';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { beforeDeadline } from '@recio/bot/util/deadline';
import { startSilentServer, startTcpProxy } from '../support/tcp-proxy.js';
import { opensshArgs, startTestHost, type TestHost } from '../support/test-host.js';

let host: TestHost;
let transport: SshTransport;

const transportFor = (overrides: Partial<TestHost['fleetHost']> = {}, extra: { maxOutputBytes?: number } = {}) =>
  new SshTransport({
    host: { ...host.fleetHost, ...overrides },
    privateKey: host.clientKey.privateKey,
    connectTimeoutMs: 3_000,
    commandTimeoutMs: 30_000,
    ...extra,
  });

/** The OpenSSH client with the pinned known_hosts, as an operator (or an attacker with the key) would use it. */
const opensshClient = (command: string) =>
  execa('ssh', [...opensshArgs(host), command], { reject: false, stdin: 'ignore' });

const auditLines = async () => (await readFile(host.agentAuditLog, 'utf8')).split('\n').filter((l) => l !== '');

beforeAll(async () => {
  host = await startTestHost({ agentConfig: { db: { status: ['sleep', '20'] } } });
  transport = transportFor();
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
});

describe('service actions over real SSH', () => {
  test('status is parsed into name, state, pid and uptime', async () => {
    const result = await transport.run({ action: 'service.status', params: {} });
    expect(result.ok).toBe(true);
    const all = (
      result.data as {
        programs: Array<{ name: string; state: string; pid: number; uptimeSeconds: number; managed: boolean }>;
      }
    ).programs;
    // Programs the agent may not touch (the host's event listener) are listed too, marked unmanaged.
    expect(all.find((p) => p.name === 'recio_events')).toMatchObject({ managed: false });
    const programs = all.filter((p) => p.managed);
    expect(programs.map((p) => p.name).sort()).toEqual([
      'active_trade_supervisor',
      'auto_entry_supervisor',
      'btc_price_watchdog',
      'kalshi_api_watchdog',
      'trade_executor',
      'trade_manager',
    ]);
    const real = await host.supervisor.program('trade_manager');
    const parsed = programs.find((p) => p.name === 'trade_manager');
    expect(parsed).toMatchObject({ state: 'RUNNING', pid: real.pid });
    expect(parsed?.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  test('restart trade_executor ends with a new PID in RUNNING', async () => {
    const before = await host.supervisor.program('trade_executor');
    const result = await transport.run({ action: 'service.restart', params: { service: 'trade_executor' } });
    expect(result).toMatchObject({ ok: true, exitCode: 0, outcomeUnknown: false });
    const after = await host.supervisor.program('trade_executor');
    expect(after.state).toBe('RUNNING');
    expect(after.pid).not.toBe(before.pid);
    expect(result.data).toMatchObject({ state: 'RUNNING', pid: after.pid, previousPid: before.pid });
  });

  test('a crash-looping program comes back FATAL with its log tail; a start after FATAL brings it up', async () => {
    await host.supervisor.setMode('auto_entry_supervisor', 'crash');
    try {
      const result = await transport.run({
        action: 'service.restart',
        params: { service: 'auto_entry_supervisor', waitSeconds: 15 },
      });
      expect(result.ok).toBe(false);
      const data = result.data as { state: string; tail: string[] };
      // supervisord's own retries end in FATAL well within the wait derived from its config.
      expect(data.state).toBe('FATAL');
      expect(data.tail.join('\n')).toContain('FATAL: could not connect to server');
      expect(result.error?.message).toMatch(/^auto_entry_supervisor went FATAL/);
    } finally {
      await host.supervisor.setMode('auto_entry_supervisor', 'ok');
    }
    const start = await transport.run({ action: 'service.start', params: { service: 'auto_entry_supervisor' } });
    expect(start).toMatchObject({ ok: true, data: { found: 'FATAL', state: 'RUNNING' } });
    expect((await host.supervisor.program('auto_entry_supervisor')).state).toBe('RUNNING');
  });

  test(
    'a restart of a program in BACKOFF really restarts it: supervisord decides first, one click is ' + 'enough',
    async () => {
      // Its next 3 starts crash: with startretries=2 that is exactly what supervisord retries before
      // FATAL. A stop in BACKOFF keeps supervisord's retry count, so the old restart got FATAL here.
      await host.supervisor.setMode('trade_manager', 3);
      const killed = await host.supervisor.program('trade_manager');
      await execa(host.supervisor.supervisorctl[0]!, [
        ...host.supervisor.supervisorctl.slice(1),
        'signal',
        'KILL',
        'trade_manager',
      ]);
      await host.supervisor.waitFor('trade_manager', 'BACKOFF');
      const result = await transport.run({ action: 'service.restart', params: { service: 'trade_manager' } });
      expect(result.ok, result.error?.message).toBe(true);
      const after = await host.supervisor.program('trade_manager');
      expect(after.state).toBe('RUNNING');
      expect(after.pid).not.toBe(killed.pid);
      expect(result.data).toMatchObject({
        state: 'RUNNING',
        pid: after.pid,
        limits: { startsecs: 1, startretries: 2, source: host.supervisor.configPath },
      });
      // Held past startsecs: up for startsecs + startsecs by supervisord's own clock.
      expect(after.uptimeSeconds).toBeGreaterThanOrEqual(2);
      expect(await readFile(join(host.supervisor.dir, 'modes', 'trade_manager'), 'utf8')).toBe('0\n');
    },
  );

  test('stop leaves the program stopped; start is idempotent once it runs', async () => {
    const stop = await transport.run({ action: 'service.stop', params: { service: 'btc_price_watchdog' } });
    expect(stop.ok).toBe(true);
    expect((await host.supervisor.program('btc_price_watchdog')).state).toBe('STOPPED');
    const start = await transport.run({ action: 'service.start', params: { service: 'btc_price_watchdog' } });
    expect(start.ok).toBe(true);
    const again = await transport.run({ action: 'service.start', params: { service: 'btc_price_watchdog' } });
    expect(again.data).toMatchObject({ alreadyRunning: true, pid: (start.data as { pid: number }).pid });
  });

  test('tail returns the last N lines of the log', async () => {
    const result = await transport.run({ action: 'service.tail', params: { service: 'trade_manager', lines: 2 } });
    expect(result.ok).toBe(true);
    const lines = (result.data as { lines: string[] }).lines;
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('trade_manager '))).toBe(true);
  });

  test('output past the cap is cut and flagged, the result still arrives', async () => {
    const capped = transportFor({}, { maxOutputBytes: 64 });
    try {
      const result = await capped.run({ action: 'service.status', params: {} });
      expect(result.ok).toBe(true);
      expect(result.output).toHaveLength(64);
      expect(result.outputTruncated).toBe(true);
    } finally {
      await capped.close();
    }
  });
});

describe('refusals: nothing runs', () => {
  const marker = () => join(host.dir, 'pwned');

  test('an injected service name is refused by the bot before SSH, and by the agent when sent raw', async () => {
    const pid = (await host.supervisor.program('trade_executor')).pid;
    const injected = `trade_executor; touch ${marker()}`;
    const viaBot = await transport.run({ action: 'service.restart', params: { service: injected } });
    expect(viaBot.error?.code).toBe('invalid_params');
    expect(viaBot.outcomeUnknown).toBe(false);

    const raw = await opensshClient(
      JSON.stringify({ v: 1, id: 'x1', action: 'service.restart', params: { service: injected } }),
    );
    expect(raw.exitCode).toBe(2);
    expect(JSON.parse(raw.stdout.trim())).toMatchObject({
      type: 'result',
      ok: false,
      error: { code: 'invalid_params' },
    });
    expect(existsSync(marker())).toBe(false);
    expect((await host.supervisor.program('trade_executor')).pid).toBe(pid);
  });

  test('a raw command through the forced command (`ssh host id`, `touch …`) is refused', async () => {
    for (const command of ['id', `touch ${marker()}`, '']) {
      const raw = await opensshClient(command);
      expect(raw.exitCode).toBe(2);
      expect(JSON.parse(raw.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    expect(existsSync(marker())).toBe(false);
    expect((await auditLines()).some((l) => l.includes('"action":"invalid"'))).toBe(true);
  });

  test('a service the host does not list and an unknown action are refused by the agent', async () => {
    const pid = (await host.supervisor.program('trade_manager')).pid;
    const notListed = await opensshClient(
      JSON.stringify({ v: 1, id: 'x2', action: 'service.restart', params: { service: 'sshd' } }),
    );
    expect(JSON.parse(notListed.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      ok: false,
      error: { code: 'unknown_service' },
    });
    const unknown = await opensshClient(
      JSON.stringify({ v: 1, id: 'x3', action: 'shell.exec', params: { cmd: 'id' } }),
    );
    expect(JSON.parse(unknown.stdout.trim())).toMatchObject({ ok: false, error: { code: 'unknown_action' } });
    const otherVersion = await opensshClient(JSON.stringify({ v: 99, id: 'x4', action: 'service.status', params: {} }));
    expect(JSON.parse(otherVersion.stdout.trim()).error.message).toContain('the bot speaks v99, this agent speaks v1');
    expect((await host.supervisor.program('trade_manager')).pid).toBe(pid);
  });

  test('a wrong pinned host key is refused before anything runs, naming both keys', async () => {
    const before = (await auditLines()).length;
    const wrongPin = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const pinned = transportFor({ hostKey: wrongPin });
    try {
      const result = await pinned.run({ action: 'service.restart', params: { service: 'trade_executor' } });
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('host_key_mismatch');
      expect(result.error?.message).toContain(wrongPin);
      expect(result.error?.message).toContain(host.sshd.hostKeyFingerprint);
      expect(result.outcomeUnknown).toBe(false);
    } finally {
      await pinned.close();
    }
    expect((await auditLines()).length).toBe(before);
  });
});

describe('deadlines, drops and fan-out', () => {
  test('a request past its deadline is an unknown outcome, and the session goes on', async () => {
    const result = await transport.run({ action: 'db.status', params: {} }, { deadlineMs: 1_500 });
    expect(result).toMatchObject({ ok: false, timedOut: true, outcomeUnknown: true, error: { code: 'step_timeout' } });
    const next = await transport.run({ action: 'service.status', params: { service: 'trade_manager' } });
    expect(next.ok).toBe(true);
  });

  test('a dropped connection is re-established for the next request', async () => {
    const proxy = await startTcpProxy(host.sshd.port);
    const viaProxy = transportFor({ port: proxy.port });
    try {
      expect((await viaProxy.run({ action: 'service.status', params: {} })).ok).toBe(true);
      proxy.dropAll();
      // The drop may be noticed by this request (outcome unknown) or before it; the one after works.
      await viaProxy.run({ action: 'service.status', params: {} });
      expect((await viaProxy.run({ action: 'service.status', params: {} })).ok).toBe(true);
      expect(viaProxy.stats().reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  test('a host that accepts TCP and never speaks SSH fails within the deadline; the other host answers', async () => {
    const silent = await startSilentServer();
    const hosts = new Hosts([
      { name: 'good', roles: ['app'], transport: transportFor({ name: 'good' }) },
      { name: 'silent', roles: ['app'], transport: transportFor({ name: 'silent', port: silent.port }) },
    ]);
    try {
      // The silent host gives up at its connect timeout (3 s); the whole fan-out is bounded by the
      // deadline, generous enough for the good host's supervisorctl on a loaded machine.
      const deadlineMs = 10_000;
      const answered = await beforeDeadline(
        hosts.fanOut(['silent', 'good'], { action: 'service.status', params: {} }, { deadlineMs }),
        Date.now() + deadlineMs * 2,
      );
      expect(answered.timedOut).toBe(false);
      if (answered.timedOut) return;
      const [dead, good] = answered.value;
      expect(good).toMatchObject({ host: 'good', ok: true });
      expect(dead).toMatchObject({ host: 'silent', ok: false, outcomeUnknown: false });
      expect(dead?.error?.code).toBe('host_unreachable');
    } finally {
      await hosts.close();
      await silent.close();
    }
  });
});
