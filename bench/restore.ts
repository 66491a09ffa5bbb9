// npm run bench:restore — figures for README and docs/backups.md. Not part of `npm test`: it prints,
// it never fails on a number. A database shaped like REC.IO's (PRICE_ROWS btc_price_log rows,
// default 1,000,000; Kalshi snapshots; trades; trades_snapshot) on the machine's PostgreSQL, the
// agent's db.restore run in-process (LocalTransport, the same code as on a host), and the issue's
// scenario: the nightly dump, then a day of writes, then `DROP TABLE trades_snapshot`. Each way
// back is timed from the request to the restored database (RTO), and what it lost is counted (RPO:
// rows written after the dump that are gone, and the seconds of writes they cover). The full
// restore is the baseline, measured in the same run. PITR (pgBackRest) runs on a throwaway cluster
// with WAL archiving and the same data (see pitrFigure).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { LocalTransport } from '@recio/bot/hosts/local-transport';
import { ADMIN_URL, adminQuery } from './bench-db.js';
import { startPitrCluster } from './pitr-cluster.js';

const PRICE_ROWS = Number(process.env.PRICE_ROWS ?? 1_000_000);
/** Writes after the dump, per table: a stand-in for the hours between the nightly dump and the drop. */
const LATER_ROWS = 3_600;
/** PITR: how long prices are written live between the base backup and the drop, and how often. */
const PITR_WRITE_SECONDS = Number(process.env.PITR_WRITE_SECONDS ?? 20);
const WRITE_EVERY_MS = 50;

const admin = new URL(ADMIN_URL);
const name = `recio_bench_restore_${randomBytes(4).toString('hex')}`;
const conn = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', admin.username || 'postgres'];
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;

const db = new pg.Pool({ connectionString: url.toString(), max: 2 });
const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);

/** The rows written after the dump (the "day" of writes), in every table, each stamped after `since`. */
async function writeDay(): Promise<void> {
  await db.query(`INSERT INTO btc_price_log (ts, price) SELECT now() + n * interval '1 ms', 97000 + n
                  FROM generate_series(1, ${LATER_ROWS}) n`);
  await db.query(`INSERT INTO kalshi_market_snapshots (ts, ticker, yes_bid)
                  SELECT now() + n * interval '1 ms', 'KXBTC-' || n, 50 FROM generate_series(1, ${LATER_ROWS}) n`);
  await db.query(`INSERT INTO trades (ts, symbol, qty) SELECT now(), 'LATE-' || n, 1 FROM generate_series(1, 100) n`);
}

interface Figure {
  way: string;
  rtoS: number;
  rowsLost: number;
  secondsLost: number;
}

async function lostSince(since: Date, before: number): Promise<{ rows: number; seconds: number }> {
  const after = await count(
    `SELECT (SELECT count(*) FROM btc_price_log WHERE ts > '${since.toISOString()}')
          + (SELECT count(*) FROM kalshi_market_snapshots WHERE ts > '${since.toISOString()}')
          + (SELECT count(*) FROM trades WHERE ts > '${since.toISOString()}') AS n`,
  );
  return { rows: before - after, seconds: before - after > 0 ? (Date.now() - since.getTime()) / 1000 : 0 };
}

/** REC.IO's tables with PRICE_ROWS prices of yesterday, in whichever database `on` queries. */
async function loadDay(on: (sql: string) => Promise<unknown>): Promise<void> {
  await on(`
      CREATE TABLE trades (id serial PRIMARY KEY, ts timestamptz NOT NULL DEFAULT now(), symbol text NOT NULL, qty int);
      CREATE TABLE trades_snapshot (id serial PRIMARY KEY, ts timestamptz NOT NULL, symbol text, position int);
      CREATE TABLE btc_price_log (ts timestamptz NOT NULL, price numeric NOT NULL);
      CREATE INDEX btc_price_log_ts ON btc_price_log (ts);
      CREATE TABLE kalshi_market_snapshots (ts timestamptz NOT NULL, ticker text NOT NULL, yes_bid int);
      CREATE INDEX kalshi_market_snapshots_ts ON kalshi_market_snapshots (ts);
      INSERT INTO btc_price_log SELECT now() - interval '1 day' + n * interval '50 ms', 97000 + n % 1000
        FROM generate_series(1, ${PRICE_ROWS}) n;
      INSERT INTO kalshi_market_snapshots SELECT now() - interval '1 day' + n * interval '200 ms',
        'KXBTC-' || n % 50, n % 100
        FROM generate_series(1, ${Math.round(PRICE_ROWS / 4)}) n;
      INSERT INTO trades (ts, symbol, qty)
        SELECT now() - interval '1 day', 'BTC-' || n, n % 10 FROM generate_series(1, 20000) n;
      INSERT INTO trades_snapshot (ts, symbol, position) SELECT now() - interval '1 day', 'BTC-' || n % 300, n
        FROM generate_series(1, 10000) n;`);
  await on('VACUUM ANALYZE');
}

async function main(): Promise<void> {
  await adminQuery(`CREATE DATABASE ${name}`);
  const dir = mkdtempSync(join(tmpdir(), 'recio-bench-restore-'));
  try {
    await loadDay((sql) => db.query(sql));
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        backups: { dir },
        db: {
          psql: ['psql', '-X', ...conn, '-d', name],
          pgDump: ['pg_dump', ...conn, name],
          pgRestore: ['pg_restore', ...conn, '-d', name],
        },
      }),
      commandTimeoutMs: 3_600_000,
    });
    const created = await local.run({ action: 'backup.create', params: {} });
    if (!created.ok) throw new Error(`backup.create: ${created.error?.message}`);
    const { file, bytes } = created.data as { file: string; bytes: number };
    const dumpedAt = new Date();
    console.log(`dump ${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB of ${PRICE_ROWS.toLocaleString()} price rows`);

    const figures: Figure[] = [];
    for (const way of ['full restore (baseline)', 'per-table restore'] as const) {
      await writeDay();
      const written = await count(
        `SELECT (SELECT count(*) FROM btc_price_log WHERE ts > '${dumpedAt.toISOString()}')
              + (SELECT count(*) FROM kalshi_market_snapshots WHERE ts > '${dumpedAt.toISOString()}')
              + (SELECT count(*) FROM trades WHERE ts > '${dumpedAt.toISOString()}') AS n`,
      );
      await db.query('DROP TABLE trades_snapshot');
      const params = way === 'per-table restore' ? { file, tables: ['trades_snapshot'] } : { file };
      const started = performance.now();
      const result = await local.run({ action: 'db.restore', params });
      const rtoS = (performance.now() - started) / 1000;
      if (!result.ok) throw new Error(`${way}: ${result.error?.message}`);
      const lost = await lostSince(dumpedAt, written);
      figures.push({ way, rtoS, rowsLost: lost.rows, secondsLost: lost.seconds });
    }
    const [full, table] = figures as [Figure, Figure];
    console.log(
      '\n| way back | RTO (request → restored) | RPO: rows written before the DROP that are lost | RPO: seconds |',
    );
    console.log('|---|---|---|---|');
    for (const f of figures.slice(0, 2))
      console.log(`| ${f.way} | ${f.rtoS.toFixed(2)} s | ${f.rowsLost} | ${f.secondsLost.toFixed(0)} |`);
    const pitr = await pitrFigure();
    figures.push(pitr.figure);
    console.log(
      `| ${pitr.figure.way} | ${pitr.figure.rtoS.toFixed(2)} s | ${pitr.figure.rowsLost} | ` +
        `${pitr.figure.secondsLost.toFixed(1)} |`,
    );
    console.log(
      `\nper-table / full RTO: ${(table.rtoS / full.rtoS).toFixed(3)} (target <= 0.2); ` +
        `PITR data loss: ${pitr.figure.secondsLost.toFixed(1)} s of writes (target <= 60 s); ` +
        `base backup of the PITR cluster took ${pitr.backupS.toFixed(1)} s (not part of the RTO)`,
    );
  } finally {
    await db.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * PITR on its own cluster (pitr-cluster.ts) with the same day of data: a base backup, then prices
 * written in real time (one every WRITE_EVERY_MS, stamped with the commit's clock), then `DROP TABLE
 * trades_snapshot` at T; db.pitr.restore to one second before T, as an operator would type it. RPO:
 * the prices committed before T that are gone, and the seconds between the newest surviving one and T.
 */
async function pitrFigure(): Promise<{ figure: Figure; backupS: number }> {
  const cluster = await startPitrCluster();
  const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  try {
    await loadDay((sql) => pool.query(sql));
    const backupStarted = performance.now();
    await cluster.pgbackrest('--type=full', 'backup');
    const backupS = (performance.now() - backupStarted) / 1000;
    const writing = { on: true };
    const writer = (async () => {
      while (writing.on) {
        await pool.query('INSERT INTO btc_price_log (ts, price) VALUES (clock_timestamp(), 98000)');
        await new Promise((done) => setTimeout(done, WRITE_EVERY_MS));
      }
    })();
    await new Promise((done) => setTimeout(done, PITR_WRITE_SECONDS * 1000));
    const dropAt = (await pool.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
    await pool.query('DROP TABLE trades_snapshot');
    writing.on = false;
    await writer;
    const beforeDrop = async () =>
      Number((await pool.query('SELECT count(*) AS n FROM btc_price_log WHERE ts < $1', [dropAt])).rows[0].n);
    const written = await beforeDrop();
    await pool.end();
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        db: { psql: cluster.psql, pitr: cluster.pitr, expectedTables: ['trades_snapshot', 'btc_price_log'] },
      }),
      commandTimeoutMs: 3_600_000,
    });
    const target = new Date(Math.floor(dropAt.getTime() / 1000) * 1000 - 1000).toISOString();
    const started = performance.now();
    const result = await local.run({ action: 'db.pitr.restore', params: { target, waitSeconds: 3600 } });
    const rtoS = (performance.now() - started) / 1000;
    if (!result.ok) throw new Error(`PITR: ${result.error?.message}`);
    const after = new pg.Pool({ connectionString: cluster.url, max: 1 });
    try {
      const [kept, newest] = [
        Number((await after.query('SELECT count(*) AS n FROM btc_price_log WHERE ts < $1', [dropAt])).rows[0].n),
        (await after.query<{ t: Date }>('SELECT max(ts) AS t FROM btc_price_log')).rows[0]!.t,
      ];
      const way = `PITR to 1 s before the DROP (${PITR_WRITE_SECONDS} s of live writes after the base backup)`;
      return {
        figure: { way, rtoS, rowsLost: written - kept, secondsLost: (dropAt.getTime() - newest.getTime()) / 1000 },
        backupS,
      };
    } finally {
      await after.end();
    }
  } finally {
    await pool.end().catch(() => undefined);
    await cluster.destroy();
  }
}

await main();
