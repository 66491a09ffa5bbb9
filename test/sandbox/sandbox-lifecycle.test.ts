import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { loadConfig } from '@recio/bot/config';
import { hostsFromConfig, type Hosts } from '@recio/bot/hosts/fleet-hosts';
import { breakScenario, heal, sandboxDown, sandboxStatus, sandboxUp, type Sandbox } from '@recio/sandbox/index';
import { findLeftovers } from '@recio/sandbox/leftovers';
import { pidFileOf } from '@recio/sandbox/sandbox-paths';
import { ensureCluster, portTakenAtStart } from '@recio/sandbox/sandbox-postgres';
import { readState } from '@recio/sandbox/sandbox-state';
import { processesOf } from '@recio/sandbox/sandbox-user';
import { readPidFile } from '@recio/sandbox/detached-process';
import { programStatus, supervisorctl, supervisorctlArgv } from '@recio/sandbox/sandbox-supervisor';
import { decideBudgetSeconds, programLimits } from '@recio/agent/supervisor-program-config';
import { waitFor } from '@recio/sandbox/wait-for';
import { markOwned, ownedTempDir } from '../support/leftovers.js';
import { EVENT_BOUND_MS } from '../support/bounds.js';

// One sandbox for the whole file: made once (it takes seconds on two cores), broken and healed
// scenario by scenario, removed at the end — and in afterAll whatever happened.
let dir: string;
let sandbox: Sandbox;
let hosts: Hosts | undefined;
const isRoot = process.getuid?.() === 0;
const userName = `recio-sbxt${Math.floor(Math.random() * 0xffff).toString(16)}`;

const rows = async (table: string): Promise<number> => {
  const client = new pg.Client({ connectionString: sandbox.db.url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
  } finally {
    await client.end();
  }
};
const webStatus = async () => (await fetch(sandbox.webUrl)).status;
const stateOf = async (name: string) => (await programStatus(sandbox.paths))?.find((p) => p.name === name)?.state;
const psql = (...args: string[]) =>
  execa(sandbox.db.psql[0]!, [...sandbox.db.psql.slice(1), ...args], { env: sandbox.db.env, reject: false });
// The bot's own path to the sandbox: its env → config → fleet → SSH transport, opened once.
const agent = (): Hosts => (hosts ??= hostsFromConfig(loadConfig(sandbox.env), (path) => readFileSync(path, 'utf8')));
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = EVENT_BOUND_MS) =>
  waitFor(what, timeoutMs, probe, 200);
/** Three times what supervisord may take to give up on a program, from the sandbox's own config. */
const fatalWithinMs = (program: string, graceSeconds = 0) =>
  3_000 * (graceSeconds + decideBudgetSeconds(programLimits(supervisorctlArgv(sandbox.paths), program)));

beforeAll(async () => {
  dir = await ownedTempDir('sbx');
  markOwned('sandbox', dir);
  sandbox = await sandboxUp({
    dir,
    user: userName,
    // A bound for a loaded machine within the hook's 300 s (the CLI's 90 s was once too few: stack.ts).
    timeoutMs: 240_000,
    // Quick enough for a test: rows every second, programs give up on the DB after 3 s, the web
    // UI calls a feed stale after 4 s.
    tuning: {
      btcIntervalMs: 500,
      kalshiIntervalMs: 1000,
      heartbeatMs: 1000,
      dbGraceSeconds: 3,
      apiTimeoutMs: 1000,
      webMaxFeedAgeSeconds: 4,
      deploySettleSeconds: 2,
    },
  });
});

afterAll(async () => {
  await hosts?.close();
  if (dir !== undefined) await sandboxDown(dir).catch(() => undefined);
  if (isRoot) await execa('userdel', [userName], { reject: false });
});

describe('sandbox up', () => {
  test("every component ✔ with its port and pid; v2.4.0 checked out; tonight's dump written", async () => {
    const status = await sandboxStatus(dir);
    expect(status.components.filter((c) => !c.ok)).toEqual([]);
    expect(status.ok).toBe(true);
    for (const name of ['postgres', 'supervisord', 'kalshi stand-in', 'coinbase stand-in', 'web UI', 'sshd']) {
      expect(status.components.find((c) => c.name === name)?.pid, name).toBeGreaterThan(0);
    }
    expect(status.release).toBe('v2.4.0');
    expect(status.backups).toEqual([expect.stringMatching(/^db_\d{4}-\d{2}-\d{2}\.sql$/)]);
    const dump = join(sandbox.backupsDir, status.backups[0]!);
    // A custom-format archive (its table of contents names the COPY), private, its hash beside it.
    expect(readFileSync(dump, 'latin1').startsWith('PGDMP')).toBe(true);
    expect(readFileSync(dump, 'latin1')).toContain('COPY public.btc_price_log');
    expect(statSync(dump).mode & 0o777).toBe(0o600);
    expect(statSync(sandbox.backupsDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(`${dump}.sha256`, 'utf8')).toMatch(/^[0-9a-f]{64} {2}db_/);
    if (isRoot) expect(statSync(sandbox.paths.pgData).uid).toBe(sandbox.user.uid);
  });

  test('the feeds write rows and the web UI is healthy', async () => {
    const [btc, kalshi] = [await rows('btc_price_log'), await rows('kalshi_market_snapshots')];
    await until('btc_price_log and kalshi_market_snapshots growing', async () =>
      (await rows('btc_price_log')) > btc && (await rows('kalshi_market_snapshots')) > kalshi ? true : undefined,
    );
    const health = await fetch(sandbox.webUrl);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      db: 'ok',
      feeds: { btc_price: { fresh: true }, kalshi: { fresh: true } },
    });
  });

  test('the agent answers over the sandbox sshd, reached with its fleet file and key', async () => {
    expect(agent().names()).toEqual(['sbx1']);
    const status = await agent().run('sbx1', { action: 'service.status', params: {} });
    expect(status.ok).toBe(true);
    const programs = (status.data as { programs: Array<{ name: string; state: string }> }).programs;
    expect(programs.map((p) => [p.name, p.state]).sort()).toEqual(RECIO_PROGRAMS.map((n) => [n, 'RUNNING']).sort());
    expect((await agent().run('sbx1', { action: 'db.tables', params: {} })).ok).toBe(true);
    const fresh = await agent().run('sbx1', { action: 'db.freshness', params: { feed: 'btc_price' } });
    expect((fresh.data as { ageSeconds: number }).ageSeconds).toBeLessThan(10);
    expect((await agent().run('sbx1', { action: 'deploy.current', params: {} })).data).toMatchObject({ tag: 'v2.4.0' });
  });

  test('a second up finds everything running and changes nothing', async () => {
    const files = [
      sandbox.paths.state,
      sandbox.fleetPath,
      sandbox.envPath,
      sandbox.agentConfigPath,
      sandbox.paths.supervisorConfig,
      sandbox.paths.sshdConfig,
      join(sandbox.repoDir, '.env'),
    ];
    const before = { pids: await pids(), files: files.map((f) => [f, statSync(f).mtimeMs, readFileSync(f, 'utf8')]) };
    await sandboxUp({ dir });
    expect({ pids: await pids(), files: files.map((f) => [f, statSync(f).mtimeMs, readFileSync(f, 'utf8')]) }).toEqual(
      before,
    );
  });

  test(
    'up finishes a sandbox left half-made: ' +
      'a dead web UI and a missing fleet file come back, the rest is untouched',
    async () => {
      const before = await pids();
      const fleet = readFileSync(sandbox.fleetPath, 'utf8');
      await execa('rm', [sandbox.fleetPath]);
      process.kill(before.web!, 'SIGKILL');
      await until('web UI gone', async () =>
        (await fetch(sandbox.webUrl).catch(() => undefined)) === undefined ? true : undefined,
      );
      await sandboxUp({ dir });
      const after = await pids();
      expect(after.web).not.toBe(before.web);
      expect({ ...after, web: 0 }).toEqual({ ...before, web: 0 });
      expect(readFileSync(sandbox.fleetPath, 'utf8')).toBe(fleet);
      expect(await webStatus()).toBe(200);
    },
  );
});

describe("sandbox break: each fault shows the plan's symptom, heal puts it back", () => {
  test('postgres-failure: pg_isready fails, the programs cannot connect and give up; taken port says why', async () => {
    await breakScenario(sandbox, 'postgres-failure');
    const pgIsReady = () =>
      execa(
        sandbox.db.psql[0]!.replace(/psql$/, 'pg_isready'),
        ['-h', '127.0.0.1', '-p', String(sandbox.ports.postgres)],
        { reject: false },
      );
    expect((await pgIsReady()).exitCode).not.toBe(0);
    // An `up` during a drill leaves the fault to the bot.
    await sandboxUp({ dir });
    expect((await pgIsReady()).exitCode).not.toBe(0);
    await until(
      'trade_manager to give up',
      async () => (['BACKOFF', 'FATAL'].includes((await stateOf('trade_manager')) ?? '') ? true : undefined),
      fatalWithinMs('trade_manager', 3),
    );
    expect(await supervisorctl(sandbox.paths, 'tail', 'trade_manager')).toContain('could not connect to server');
    expect(await webStatus()).toBe(503);
    // Its port taken meanwhile: the start fails saying why, in the server's own words.
    // The programs keep dialling it: a connection left open would keep close() waiting.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((listening, failed) =>
      squatter.once('error', failed).listen(sandbox.ports.postgres, '127.0.0.1', listening),
    );
    try {
      const state = readState(sandbox.paths)!;
      const refused = await ensureCluster(sandbox.paths, state, state.user).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(String(refused)).toMatch(
        new RegExp(
          'pg_ctl start failed: .*could not start server.*; ' +
            'the server said: .*could not bind .*Address already in use.*' +
            `Is another postmaster already running on port ${sandbox.ports.postgres}\\?`,
        ),
      );
      // What `sandbox up` moves the port on (sandbox-postgres-start.test.ts).
      expect(portTakenAtStart(refused)).toBe(sandbox.ports.postgres);
    } finally {
      await new Promise((closed) => squatter.close(closed));
    }
    await heal(sandbox, 'postgres-failure');
    expect((await sandboxStatus(dir)).ok).toBe(true);
  });

  test('postgres-failure --variant drop-table: \\dt no longer lists kalshi_market_snapshots', async () => {
    await breakScenario(sandbox, 'postgres-failure', { variant: 'drop-table' });
    const tables = await psql('-c', '\\dt');
    expect(tables.stdout).toContain('btc_price_log');
    expect(tables.stdout).not.toContain('kalshi_market_snapshots');
    expect((await sandboxStatus(dir)).faults).toEqual([
      expect.objectContaining({ scenario: 'postgres-failure', variant: 'drop-table', inEffect: true }),
    ]);
    await heal(sandbox, 'postgres-failure');
    expect((await psql('-c', '\\dt')).stdout).toContain('kalshi_market_snapshots');
  });

  test(
    'service-crash: trade_executor goes BACKOFF then FATAL, ' +
      'the others stay up, and a plain restart brings it back',
    async () => {
      const seen = new Set<string>();
      await breakScenario(sandbox, 'service-crash', { service: 'trade_executor' });
      await until(
        'trade_executor FATAL',
        async () => {
          const state = await stateOf('trade_executor');
          if (state !== undefined) seen.add(state);
          return state === 'FATAL' ? true : undefined;
        },
        fatalWithinMs('trade_executor'),
      );
      expect(seen).toContain('BACKOFF');
      expect(await stateOf('trade_manager')).toBe('RUNNING');
      // The plan's step 2, through the agent as the bot runs it: the crash was transient.
      const restart = await agent().run('sbx1', {
        action: 'service.restart',
        params: { service: 'trade_executor', waitSeconds: 60 },
      });
      expect(restart.ok).toBe(true);
      expect((await sandboxStatus(dir)).faults).toEqual([
        expect.objectContaining({ scenario: 'service-crash', inEffect: false }),
      ]);
      await heal(sandbox, 'service-crash');
    },
  );

  test(
    'provider-outage: Kalshi answers 503, its feed stops, ' + "the web UI turns 503; Coinbase's feed goes on",
    async () => {
      await breakScenario(sandbox, 'provider-outage', { provider: 'kalshi', variant: '503' });
      expect((await fetch(sandbox.providers.kalshi.healthUrl)).status).toBe(503);
      await until('web UI 503', async () => ((await webStatus()) === 503 ? true : undefined));
      const [kalshi, btc] = [await rows('kalshi_market_snapshots'), await rows('btc_price_log')];
      await until('btc_price_log growing', async () => ((await rows('btc_price_log')) > btc + 2 ? true : undefined));
      expect(await rows('kalshi_market_snapshots')).toBe(kalshi);
      expect(await supervisorctl(sandbox.paths, 'tail', 'kalshi_api_watchdog')).toContain('API error 503');
      await heal(sandbox, 'provider-outage');
      expect(sandbox.providers.kalshi.mode()).toBe('ok');
    },
  );

  test('provider-outage --variant hang: Coinbase never answers and the watchdog times out', async () => {
    await breakScenario(sandbox, 'provider-outage', { provider: 'coinbase', variant: 'hang' });
    const answered = await fetch(sandbox.providers.coinbase.healthUrl, { signal: AbortSignal.timeout(1_500) }).then(
      () => true,
      () => false,
    );
    expect(answered).toBe(false);
    await until('btc_price_watchdog logging a timeout', async () =>
      (await supervisorctl(sandbox.paths, 'tail', 'btc_price_watchdog')).includes('API timeout') ? true : undefined,
    );
    await heal(sandbox, 'provider-outage');
  });

  test('bad-release: v2.5.0 deployed, every program FATAL, git describe says v2.5.0; heal rolls back', async () => {
    await breakScenario(sandbox, 'bad-release');
    const describeTag = async () =>
      (await execa('git', ['-c', 'safe.directory=*', '-C', sandbox.repoDir, 'describe', '--tags'])).stdout.trim();
    expect(await describeTag()).toBe('v2.5.0');
    await until(
      'all six FATAL',
      async () => {
        const programs = (await programStatus(sandbox.paths)) ?? [];
        return programs.length === 6 && programs.every((p) => p.state === 'FATAL') ? true : undefined;
      },
      fatalWithinMs('btc_price_watchdog'),
    );
    expect(await supervisorctl(sandbox.paths, 'tail', 'btc_price_watchdog')).toContain(
      "No module named 'rec_io.kalshi_v3_client'",
    );
    expect(readFileSync(join(sandbox.dir, 'logs', 'pip.log'), 'utf8')).toContain('requirements.txt');
    await heal(sandbox, 'bad-release');
    expect(await describeTag()).toBe('v2.4.0');
    expect((await sandboxStatus(dir)).ok).toBe(true);
  });
});

describe('sandbox down', () => {
  test('stops every process, removes the directory and the user it made', async () => {
    await hosts?.close();
    hosts = undefined;
    const uid = sandbox.user.uid;
    const report = await sandboxDown(dir);
    expect(report.stopped.map((s) => s.component).sort()).toEqual([
      'coinbase',
      'kalshi',
      'postgres',
      'sshd',
      'supervisord',
      'web',
    ]);
    expect(report.removedDir).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(findLeftovers(dir)).toEqual([]);
    if (isRoot) {
      expect(processesOf(uid)).toEqual([]);
      expect(report.user).toEqual({ name: userName, removed: true });
      expect((await execa('id', [userName], { reject: false })).exitCode).not.toBe(0);
    }
  });
});

/** The pid of each long-running component, from its pid file and supervisord. */
async function pids(): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  for (const name of ['supervisord', 'sshd', 'web', 'kalshi', 'coinbase'])
    out[name] = readPidFile(pidFileOf(sandbox.paths, name))?.pid;
  out.postgres = Number(readFileSync(join(sandbox.paths.pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  for (const p of (await programStatus(sandbox.paths)) ?? []) out[p.name] = p.pid ?? undefined;
  return out;
}
