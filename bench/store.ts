// npm run bench:store — figures for docs/store.md. Not part of `npm test`: it prints, it never fails
// on a number. Measures dedupe-claims per second on both backends (with raw pg as the baseline),
// and the memory of an idle process holding the store with its embedded PostgreSQL.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { childPids } from '@recio/os/processes';
import { openStore, type Store } from '@recio/bot/store/index';
import { ADMIN_URL, adminQuery as admin } from './bench-db.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CLAIMS = Number(process.env.CLAIMS ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const _run = promisify(execFile);

/** Runs `count` calls of `fn` with `concurrency` in flight; returns calls per second. */
async function rate(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await fn(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

interface ClaimFigures {
  fresh: number;
  duplicate: number;
  rawInsert: number;
}

async function claimFigures(store: Store, url: string, label: string): Promise<ClaimFigures> {
  const prefix = `${label}:${randomBytes(4).toString('hex')}`;
  await rate(500, CONCURRENCY, (i) => store.deliveries.claim(`${prefix}:warm:${i}`, 'event'));
  const fresh = await rate(CLAIMS, CONCURRENCY, (i) => store.deliveries.claim(`${prefix}:${i}`, 'event'));
  // A Slack retry storm: every key already seen.
  const duplicate = await rate(CLAIMS, CONCURRENCY, (i) => store.deliveries.claim(`${prefix}:${i}`, 'event'));
  // Baseline: the bare INSERT .. ON CONFLICT through a plain pg pool of the same size, no store layer.
  const pool = new pg.Pool({ connectionString: url, max: store.backend === 'embedded' ? 5 : 10 });
  pool.on('error', (error) => console.error(`baseline pool (${label}): ${error.message}`));
  const rawInsert = await rate(CLAIMS, CONCURRENCY, (i) =>
    pool.query('INSERT INTO deliveries (key, kind) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      `${prefix}:raw:${i}`,
      'event',
    ]),
  );
  await pool.end();
  return { fresh, duplicate, rawInsert };
}

function kb(field: string, text: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** RSS of the bot process, and PSS of the postmaster and each of its children (shared pages split fairly). */
function memoryOf(
  botPid: number,
  postmasterPid: number,
): { botRssMb: number; postgresPssMb: number; postgresProcesses: number } {
  const botRss = kb('VmRSS', readFileSync(`/proc/${botPid}/status`, 'utf8'));
  const pids = [postmasterPid, ...childPids(postmasterPid)];
  let pss = 0;
  for (const pid of pids) {
    try {
      pss += kb('Pss', readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    } catch {
      // A backend that exited between listing and reading.
    }
  }
  return { botRssMb: botRss / 1024, postgresPssMb: pss / 1024, postgresProcesses: pids.length };
}

/** Idles a process on the built store (no tsx loader in the measured process). */
async function idleMemory(): Promise<{
  afterOpen: ReturnType<typeof memoryOf>;
  settled: ReturnType<typeof memoryOf>;
  bareNodeRssMb: number;
}> {
  const out = mkdtempSync(join(tmpdir(), 'recio-store-bench-'));
  const dataParent = mkdtempSync(join(tmpdir(), 'recio-bench-'));
  const dataDir = join(dataParent, 'data');
  try {
    writeFileSync(
      join(out, 'idle.mjs'),
      `import { openStore } from ${JSON.stringify(join(REPO, 'packages/bot/dist/store/index.js'))};
       const store = await openStore({ dataDir: process.argv[2] });
       for (let i = 0; i < 200; i++) await store.deliveries.claim('idle:' + i, 'event');
       await store.recoverInterruptedSteps();
       console.log('ready');
       process.on('SIGTERM', () => store.close().then(() => process.exit(0)));
       setInterval(() => {}, 1 << 30);`,
    );
    chmodSync(dataParent, 0o711);
    const child = spawn(process.execPath, [join(out, 'idle.mjs'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
    );
    const postmaster = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    await sleep(1_000);
    const afterOpen = memoryOf(child.pid!, postmaster);
    // The pool closes idle connections after 10 s; an idle bot keeps only its presence session.
    await sleep(12_000);
    const settled = memoryOf(child.pid!, postmaster);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
    await sleep(500);
    const bareNodeRssMb = kb('VmRSS', readFileSync(`/proc/${bare.pid}/status`, 'utf8')) / 1024;
    bare.kill();
    return { afterOpen, settled, bareNodeRssMb };
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(dataParent, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (n: number): string => n.toFixed(1);

const dbName = `recio_bench_${randomBytes(4).toString('hex')}`;
await admin(`CREATE DATABASE ${dbName}`);
const machineUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
const embeddedParent = mkdtempSync(join(tmpdir(), 'recio-bench-'));
chmodSync(embeddedParent, 0o711);
try {
  console.log(`recio-bot store bench — ${CLAIMS} claims per run, ${CONCURRENCY} in flight, node ${process.version}`);
  const machine = await openStore({ databaseUrl: machineUrl, dataDir: embeddedParent });
  const machineFigures = await claimFigures(machine, machineUrl, 'machine');
  const machineVersion = await (async () => {
    const c = new pg.Client({ connectionString: machineUrl });
    await c.connect();
    const v = (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v.split(' ')[0]!;
    await c.end();
    return v;
  })();
  await machine.close();

  const embeddedDir = join(embeddedParent, 'data');
  const embedded = await openStore({ dataDir: embeddedDir });
  const config = JSON.parse(readFileSync(join(embeddedDir, 'embedded.json'), 'utf8')) as {
    port: number;
    user: string;
    password: string;
    database: string;
  };
  const embeddedUrl = `postgresql://${config.user}:${config.password}@127.0.0.1:${config.port}/${config.database}`;
  const embeddedFigures = await claimFigures(embedded, embeddedUrl, 'embedded');
  await embedded.close();

  console.log(
    '\ndedupe claims per second (deliveries.claim: INSERT .. ON CONFLICT; ' +
      'a duplicate takes a second round trip to name the first claimer)',
  );
  console.log('backend                            fresh keys   duplicates   raw pg INSERT baseline');
  const figuresRow = (label: string, figures: typeof machineFigures) =>
    `${label.padEnd(34)} ${fmt(figures.fresh).padStart(10)}   ` +
    `${fmt(figures.duplicate).padStart(10)}   ${fmt(figures.rawInsert).padStart(10)}`;
  console.log(figuresRow(`machine PostgreSQL ${machineVersion} (pool 10)`, machineFigures));
  console.log(figuresRow('embedded PostgreSQL 17 (pool 5)', embeddedFigures));

  const memory = await idleMemory();
  console.log('\nidle process with the store on its embedded PostgreSQL (MB)');
  console.log('when                        bot RSS   postgres PSS (procs)   total');
  for (const [when, m] of [
    ['1 s after open', memory.afterOpen],
    ['after pool idle timeout', memory.settled],
  ] as const) {
    const total = mb(m.botRssMb + m.postgresPssMb).padStart(6);
    console.log(
      `${when.padEnd(26)} ${mb(m.botRssMb).padStart(8)}   ` +
        `${mb(m.postgresPssMb).padStart(8)} (${m.postgresProcesses})        ${total}`,
    );
  }
  console.log(`baseline: a bare idle node process has RSS ${mb(memory.bareNodeRssMb)} MB`);
} finally {
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  rmSync(embeddedParent, { recursive: true, force: true });
}
