import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { createTestDatabase, rowCountsByTable, type TestDatabase } from '../support/pg-database.js';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { until } from '../support/monitor-fixture.js';
import { dbSection, transportTo } from './agent-harness.js';
import type { Hosts } from '@recio/bot/hosts/fleet-hosts';
import type { HostResult } from '@recio/bot/hosts/transport';
import { explainCutOff } from '@recio/bot/runbooks/restore-cutoff';

let db: TestDatabase;
let host: TestHost;
let transport: SshTransport;
let dump: string;

const counts = () => rowCountsByTable(db);

/** The pg_restore processes working on `path`, from /proc (the agent's children, or orphans). */
async function pgRestoresOf(path: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const argv = cmdline.split('\0');
    if (argv.some((a) => a.endsWith('pg_restore')) && argv.includes(path)) pids.push(Number(entry));
  }
  return pids;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Rows written an hour before the dump, by their own timestamps; prices has no updated_at but a ts.
  await db.query(`CREATE TABLE trades (id serial primary key, symbol text,
      created_at timestamptz, updated_at timestamptz);
    CREATE TABLE btc_price_log (ts timestamptz, price numeric);
    CREATE TABLE notes (body text);
    CREATE TABLE positions (id int, opened_at timestamptz);
    INSERT INTO trades (symbol, created_at, updated_at)
      SELECT 'T' || n, now() - interval '1 hour', now() - interval '1 hour' FROM generate_series(1, 4) n;
    INSERT INTO btc_price_log SELECT now() - interval '1 hour', 97000 + n FROM generate_series(1, 5) n;
    INSERT INTO notes VALUES ('kept'); INSERT INTO positions VALUES (1, now() - interval '1 hour')`);
  host = await startTestHost({ agentConfig: { db: dbSection(db, ['trades']) } });
  transport = transportTo(host);
  const created = await transport.run({ action: 'backup.create', params: {} });
  expect(created.ok).toBe(true);
  dump = (created.data as { file: string }).file;
  // After the dump: 2 new trades, 1 old one touched, 3 new prices; notes dropped; a table the dump lacks.
  await db.query(`INSERT INTO trades (symbol, created_at, updated_at)
      VALUES ('NEW1', now(), now()), ('NEW2', now(), now());
    UPDATE trades SET updated_at = now() + interval '1 second' WHERE symbol = 'T1';
    INSERT INTO btc_price_log SELECT now() + interval '1 second', 98000 + n FROM generate_series(1, 3) n;
    DROP TABLE notes; CREATE TABLE after_dump (n int)`);
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
  await db?.drop();
});

describe('db.rewind: what a restore of a dump would rewind', () => {
  test('per table, the rows newer than the dump by its own timestamp column, and the tables missing now', async () => {
    const result = await transport.run({ action: 'db.rewind', params: { file: dump } });
    expect(result.error).toBeUndefined();
    const data = result.data as Record<string, unknown>;
    const sidecar = (await readFile(join(host.backupsDir, `${dump}.sha256`), 'utf8')).split(' ')[0];
    expect(data).toMatchObject({
      file: dump,
      sha256: sidecar,
      hashRecorded: true,
      takenAtFrom: 'archive',
      tables: ['btc_price_log', 'notes', 'positions', 'trades'],
      missingNow: ['notes'],
      notInDump: ['after_dump'],
    });
    expect(data.bytes).toBeGreaterThan(0);
    // updated_at beats created_at: the touched old trade counts too.
    expect(data.rewind).toEqual([
      { table: 'btc_price_log', column: 'ts', newer: 3 },
      { table: 'positions', column: 'opened_at', newer: 0 },
      { table: 'trades', column: 'updated_at', newer: 3 },
    ]);
  });

  test('a hash the request was not bound to, or a file that is not a dump name, is refused', async () => {
    const wrong = await transport.run({ action: 'db.rewind', params: { file: dump, sha256: 'c'.repeat(64) } });
    expect(wrong.ok).toBe(false);
    expect(wrong.error?.message).toContain('is not the file the request was for');
    const raw = await transport.run({ action: 'db.rewind', params: { file: 'trades; DROP TABLE trades' } as never });
    expect(raw.ok).toBe(false);
    expect(await counts()).toMatchObject({ trades: 6 });
  });
});

describe('a restore cut off half-way (the agent killed mid pg_restore)', () => {
  test(
    'pg_restore dies with the agent, the database is as the safety dump had it, ' + 'and db.restore.outcome says so',
    async () => {
      const before = await counts();
      expect(before).toEqual({ after_dump: 0, btc_price_log: 8, positions: 1, trades: 6 });
      // A reader holding trades makes the restore's DROP TABLE wait inside its one transaction: the
      // restore is under way (other objects already dropped) when the agent is killed.
      const blocker = new pg.Client({ connectionString: db.url });
      await blocker.connect();
      await blocker.query('BEGIN; LOCK TABLE trades IN ACCESS SHARE MODE');
      const path = join(host.backupsDir, dump);
      const restoring = transport.run({ action: 'db.restore', params: { file: dump } });
      let pgRestore: number[] = [];
      let cut: HostResult | undefined;
      try {
        await until('pg_restore waits on the lock inside its transaction', async () => {
          const waiting = await db.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'pg_restore' AND wait_event_type = 'Lock'",
          );
          pgRestore = await pgRestoresOf(path);
          return waiting.rowCount === 1 && pgRestore.length === 1 ? true : undefined;
        });
        const journal = JSON.parse(await readFile(join(host.backupsDir, '.restore-running.json'), 'utf8')) as {
          agentPid: number;
          safetyDump: string;
        };
        expect(journal.safetyDump).toMatch(/^pre-restore_/);
        process.kill(journal.agentPid, 'SIGKILL');
        await until('pg_restore is gone with its agent', async () =>
          (await pgRestoresOf(path)).length === 0 ? true : undefined,
        );
        cut = await restoring;
        expect(cut).toMatchObject({ ok: false, action: 'db.restore', outcomeUnknown: true });
      } finally {
        await blocker.query('ROLLBACK');
        await blocker.end();
      }
      // Dead: gone, or a zombie waiting for whichever process inherited it to reap it.
      const stat = await readFile(`/proc/${pgRestore[0]}/stat`, 'utf8').catch(() => '');
      expect(stat === '' || / Z /.test(stat)).toBe(true);

      const again = transportTo(host);
      try {
        // What the bot's step runner does with an answer that never came: asks the host
        // (db.restore.outcome), and the step says what it learnt.
        const asHosts = { run: (_host: string, request: never) => again.run(request) } as unknown as Hosts;
        const told = await explainCutOff(asHosts, cut!, 'trace-cutoff');
        expect(told).toMatchObject({ ok: false, outcomeUnknown: false });
        const data = (told.data as { cutOff: { message: string; safetyDump: string } }).cutOff;
        expect(told.error?.message).toBe(`restore cut off: ${data.message}`);
        expect(data).toMatchObject({ interrupted: true, settled: true, committed: false, file: dump });
        expect(data.message).toContain(`the restore of ${dump}`);
        expect(data.message).toContain(`was cut off before it committed and rolled back`);
        expect(data.message).toContain(`as the safety dump ${data.safetyDump} had it`);
        expect(data.message).toContain('still missing: notes');
        // The database: every row written after the dump is still there, notes still gone.
        expect(await counts()).toEqual(before);
        // The journal is settled: asked again, nothing was cut off.
        const later = await again.run({ action: 'db.restore.outcome', params: {} });
        expect(later.data).toMatchObject({ interrupted: false, message: 'no restore was cut off' });
      } finally {
        await again.close();
      }
    },
  );
});
