/**
 * npm run bench:footprint [-- --minutes 10 --interval-ms 10000] — what watching costs a host.
 *
 * The bot's own monitor (createMonitor: polling every interval and following supervisord's events)
 * watches one host for `--minutes`, twice in one run: before (the agent asks supervisord through
 * the supervisorctl argv and starts psql per probe) and after (XML-RPC on supervisord's socket, one
 * psql per agent session). Real sshd with the agent as its forced command, real supervisord with
 * the event listener, a PostgreSQL cluster of the bench's own (so every backend it forks is
 * counted, and no one else's), the bot's store on the machine's PostgreSQL.
 *
 * CPU is read from /proc (utime+stime of every live process in a tree plus cutime+cstime, the
 * reaped children), at the start and the end of each window, and given per hour:
 *   agent       the host's sshd and everything under it: the agent, supervisorctl, psql, pg_isready
 *   supervisord supervisord itself and the event listener (not the REC.IO programs it runs)
 *   postgres    the bench's cluster: postmaster, its background workers and every backend
 *   bot         this process: the monitor, its SSH client, its store queries
 * supervisord's and PostgreSQL's cost with nobody asking (supervisord copying the programs' log
 * lines, PostgreSQL's background workers) is measured first (`--idle-seconds`) and shown apart.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { startEngineFixture } from '../test/support/engine-fixture.js';
import { deskAndMonitor, until } from '../test/support/monitor-fixture.js';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'interval-ms': { type: 'string', default: '10000' },
    'idle-seconds': { type: 'string', default: '60' },
  },
});
const MINUTES = Number(flags.minutes);
const INTERVAL_MS = Number(flags['interval-ms']);
const IDLE_SECONDS = Number(flags['idle-seconds']);
const TICK = Number((await execa('getconf', ['CLK_TCK'])).stdout) || 100;
const PG_BIN = await (async () => {
  const majors = (await readdir('/usr/lib/postgresql')).filter((d) => /^\d+$/.test(d)).sort((a, b) => +b - +a);
  return `/usr/lib/postgresql/${majors[0]}/bin`;
})();

interface Proc {
  pid: number;
  ppid: number;
  /** utime+stime+cutime+cstime, in clock ticks. */
  ticks: number;
  /** cutime+cstime alone: children it started and reaped (git, pg_isready, supervisorctl, psql -c). */
  reaped: number;
  cmdline: string;
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces), from field 3 (state) on.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const n = (i: number) => Number(rest[i - 3]);
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      out.push({ pid: Number(name), ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17), reaped: n(16) + n(17), cmdline });
    } catch {
      // Gone between readdir and read: its time is in its parent's cutime once reaped.
    }
  }
  return out;
}

/** CPU seconds of a process and its live descendants (and the reaped ones, via cutime). */
function treeSeconds(all: Proc[], root: number, skip: (p: Proc) => boolean = () => false): number {
  return treeProcs(all, root, skip).reduce((sum, p) => sum + p.ticks, 0) / TICK;
}

function treeProcs(all: Proc[], root: number, skip: (p: Proc) => boolean = () => false): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: Proc[] = [];
  const walk = (pid: number) => {
    const self = all.find((p) => p.pid === pid);
    if (self === undefined || skip(self)) return;
    out.push(self);
    for (const child of children.get(pid) ?? []) walk(child.pid);
  };
  walk(root);
  return out;
}

/** The agent row split: sshd (its crypto), the agent's node process, what it started and reaped, the psql session. */
function agentParts(all: Proc[], sshd: number) {
  const parts = { sshd: 0, agent: 0, spawned: 0, psqlSession: 0 };
  for (const p of treeProcs(all, sshd)) {
    if (p.cmdline.includes('sshd')) parts.sshd += p.ticks;
    else if (p.cmdline.includes('main.js')) {
      parts.agent += p.ticks - p.reaped;
      parts.spawned += p.reaped;
    } else if (p.cmdline.includes('psql')) parts.psqlSession += p.ticks;
    else parts.spawned += p.ticks;
  }
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v / TICK])) as typeof parts;
}

const pidFrom = async (path: string) => Number((await readFile(path, 'utf8')).split('\n')[0]);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A PostgreSQL cluster of the bench's own, run as the postgres account, with REC.IO's tables. */
async function startCluster(dir: string) {
  const data = join(dir, 'data');
  const port = await freePort();
  await execa('chown', ['postgres', dir]);
  const asPostgres = (file: string, args: string[]) =>
    execa('runuser', ['-u', 'postgres', '--', join(PG_BIN, file), ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  await asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  const conn = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
  await execa(join(PG_BIN, 'psql'), [...conn, '-X', '-q', '-d', 'postgres', '-c', 'CREATE DATABASE rec_io_db']);
  await execa(join(PG_BIN, 'psql'), [
    ...conn,
    '-X',
    '-q',
    '-d',
    'rec_io_db',
    '-c',
    `CREATE TABLE trades (id serial PRIMARY KEY, symbol text);
     CREATE TABLE btc_price_log (ts timestamptz NOT NULL DEFAULT now(), price numeric);
     CREATE TABLE kalshi_market_snapshots (ts timestamptz NOT NULL DEFAULT now(), market text);
     INSERT INTO btc_price_log (price) VALUES (100000); INSERT INTO kalshi_market_snapshots (market) VALUES ('KXBTC');`,
  ]);
  return {
    port,
    postmaster: await pidFrom(join(data, 'postmaster.pid')),
    db: {
      status: [join(PG_BIN, 'pg_isready'), '-q', ...conn],
      restart: [join(PG_BIN, 'pg_isready'), '-q', ...conn],
      psql: [join(PG_BIN, 'psql'), '-X', ...conn, '-d', 'rec_io_db'],
      pgDump: [join(PG_BIN, 'pg_dump'), ...conn, 'rec_io_db'],
      expectedTables: ['trades', 'btc_price_log', 'kalshi_market_snapshots'],
      feeds: {
        btc_price: { table: 'btc_price_log', column: 'ts' },
        kalshi: { table: 'kalshi_market_snapshots', column: 'ts' },
      },
    },
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
}

interface Window {
  agent: number;
  agentParts: ReturnType<typeof agentParts>;
  supervisord: number;
  postgres: number;
  postgresIdle: number;
  /** supervisord's cost with nobody asking: the REC.IO programs' log lines it copies, its own ticks. */
  supervisordIdle: number;
  bot: number;
  rounds: number;
  seconds: number;
}

async function measure(label: 'before' | 'after'): Promise<Window> {
  const dir = await mkdtemp(join(tmpdir(), `recio-footprint-${label}-`));
  const cluster = await startCluster(dir);
  const f = await startEngineFixture({
    hostOptions: {
      agentConfig: {
        db: { ...cluster.db, probeSession: label === 'after' },
        supervisord: { via: label === 'after' ? 'auto' : 'supervisorctl' },
      },
    },
  });
  try {
    const sshd = await pidFrom(join(f.host.dir, 'sshd', 'sshd.pid'));
    const supervisord = await pidFrom(join(f.host.dir, 'supervisor', 'supervisord.pid'));
    const isProgram = (p: Proc) => p.cmdline.includes('stand-in-service.mjs');
    const read = async () => {
      const all = await processes();
      return {
        agent: treeSeconds(all, sshd),
        agentParts: agentParts(all, sshd),
        supervisord: treeSeconds(all, supervisord, isProgram),
        postgres: treeSeconds(all, cluster.postmaster),
        bot: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
        at: performance.now(),
      };
    };
    // PostgreSQL's own background work, with nobody connected.
    const idleStart = await read();
    await sleep(IDLE_SECONDS * 1000);
    const idleEnd = await read();
    const idleSeconds = (idleEnd.at - idleStart.at) / 1000;
    const idlePerSecond = (idleEnd.postgres - idleStart.postgres) / idleSeconds;
    const supervisordIdlePerSecond = (idleEnd.supervisord - idleStart.supervisord) / idleSeconds;

    const { monitor } = deskAndMonitor(f, {
      intervalMs: INTERVAL_MS,
      push: true,
      feedMaxAgeSeconds: { btc_price: 3600, kalshi: 3600 },
    });
    let rounds = 0;
    const original = monitor.probeOnce.bind(monitor);
    monitor.probeOnce = () => {
      rounds++;
      return original();
    };
    await monitor.start();
    await until('leading', async () => (monitor.isLeader ? true : undefined));
    // The first round connects and warms up; the window starts after it.
    await until('the first round', async () => (rounds >= 2 ? true : undefined), 1200);
    const start = await read();
    const roundsAtStart = rounds;
    await sleep(MINUTES * 60_000);
    const end = await read();
    const seconds = (end.at - start.at) / 1000;
    await monitor.close();
    return {
      agent: end.agent - start.agent,
      agentParts: {
        sshd: end.agentParts.sshd - start.agentParts.sshd,
        agent: end.agentParts.agent - start.agentParts.agent,
        spawned: end.agentParts.spawned - start.agentParts.spawned,
        psqlSession: end.agentParts.psqlSession - start.agentParts.psqlSession,
      },
      supervisord: end.supervisord - start.supervisord,
      postgres: end.postgres - start.postgres,
      postgresIdle: idlePerSecond * seconds,
      supervisordIdle: supervisordIdlePerSecond * seconds,
      bot: end.bot - start.bot,
      rounds: rounds - roundsAtStart,
      seconds,
    };
  } finally {
    await f.stop();
    await cluster.stop().catch((error: Error) => console.error(`stopping the cluster: ${error.message}`));
    await rm(dir, { recursive: true, force: true });
  }
}

const load = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
const loadBefore = await load();
const before = await measure('before');
const after = await measure('after');
const loadAfter = await load();

const perHour = (w: Window, cpu: number) => (cpu * 3600) / w.seconds;
const hostTotal = (w: Window) => w.agent + (w.supervisord - w.supervisordIdle) + (w.postgres - w.postgresIdle);
const cell = (n: number) => `${n.toFixed(1)} s/h`.padStart(11);
const rows: Array<[string, (w: Window) => number]> = [
  ['agent (sshd, agent, what it starts)', (w) => w.agent],
  ['  sshd (the SSH session)', (w) => w.agentParts.sshd],
  ['  agent node process', (w) => w.agentParts.agent],
  ['  programs it started (git, psql…)', (w) => w.agentParts.spawned],
  ['  the psql session', (w) => w.agentParts.psqlSession],
  ['supervisord + listener, for the bot', (w) => w.supervisord - w.supervisordIdle],
  ['PostgreSQL, for the probes', (w) => w.postgres - w.postgresIdle],
  ['host total (target ≤ 5 s/h after)', hostTotal],
  ["supervisord idle (programs' logs)", (w) => w.supervisordIdle],
  ['PostgreSQL idle (not monitoring)', (w) => w.postgresIdle],
  ['bot host (this process)', (w) => w.bot],
];
console.log(
  `recio-bot bench:footprint — one host watched at a ${INTERVAL_MS / 1000} s interval with push, ` +
    `${MINUTES} min each (CPU seconds per hour)`,
);
console.log(`${''.padEnd(38)}${'before'.padStart(11)}${'after'.padStart(11)}   after/before`);
for (const [name, of] of rows) {
  const b = perHour(before, of(before));
  const a = perHour(after, of(after));
  console.log(`  ${name.padEnd(36)}${cell(b)}${cell(a)}   ${b > 0 ? `${(a / b).toFixed(2)}×` : '-'}`);
}
console.log(
  `  probe rounds: ${before.rounds} before, ${after.rounds} after; ` +
    `load average ${loadBefore} at the start, ${loadAfter} at the end`,
);
const result = {
  bench: 'footprint',
  minutes: MINUTES,
  intervalMs: INTERVAL_MS,
  load: { start: loadBefore, end: loadAfter },
  before,
  after,
  perHour: {
    before: Object.fromEntries(rows.map(([name, of]) => [name, perHour(before, of(before))])),
    after: Object.fromEntries(rows.map(([name, of]) => [name, perHour(after, of(after))])),
  },
};
console.log(JSON.stringify(result));
if (process.env.BENCH_FOOTPRINT_OUT) await writeFile(process.env.BENCH_FOOTPRINT_OUT, stringify(result));
