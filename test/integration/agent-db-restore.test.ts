import { existsSync } from 'node:fs';
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { parseToc, tablesOf } from '@recio/agent/pg-toc';
import { LocalTransport } from '@recio/bot/hosts/local-transport';
import type { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { createTestDatabase, rowCountsByTable, type TestDatabase } from '../support/pg-database.js';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { customDumpOf, recordHash } from '../support/dumps.js';
import { dbSection, injections, patchAgentConfig, rawRequest, transportTo } from './agent-harness.js';

let db: TestDatabase;
let host: TestHost;
let transport: SshTransport;

const counts = () => rowCountsByTable(db);
const safetyDumps = async () =>
  (await readdir(host.backupsDir)).filter((f) => f.startsWith('pre-restore_') && f.endsWith('.sql')).sort();
const symbols = async () =>
  (await db.query('SELECT symbol FROM trades ORDER BY id')).rows.map((r) => r.symbol as string);

/** A fresh nightly dump of the database as it is now, under a name of our choosing, its hash recorded. */
async function dumpAs(name: string): Promise<Buffer> {
  const created = await transport.run({ action: 'backup.create', params: {} });
  expect(created.ok).toBe(true);
  const file = (created.data as { file: string }).file;
  const bytes = await readFile(join(host.backupsDir, file));
  await rm(join(host.backupsDir, file));
  await rm(join(host.backupsDir, `${file}.sha256`));
  await writeFile(join(host.backupsDir, name), bytes);
  await recordHash(join(host.backupsDir, name), bytes);
  return bytes;
}

/** The tables a custom-format dump creates, as pg_restore lists them. */
const tablesIn = async (path: string) => tablesOf(parseToc((await execa('pg_restore', ['--list', path])).stdout));

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(
    'CREATE TABLE trades (id serial primary key, symbol text not null); ' +
      'CREATE TABLE btc_price_log (ts timestamptz, price numeric)',
  );
  await db.query("INSERT INTO trades (symbol) VALUES ('BTC-100K'), ('BTC-105K'), ('ETH-4K')");
  await db.query(
    "INSERT INTO btc_price_log SELECT now() - n * interval '1 minute', 97000 + n FROM generate_series(1, 5) n",
  );
  host = await startTestHost({ agentConfig: { db: dbSection(db, ['trades', 'btc_price_log']) } });
  transport = transportTo(host);
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
  await db?.drop();
});

describe('db.restore against a real PostgreSQL', () => {
  test('a dropped table comes back with its rows; newer rows go; the safety dump holds the state before', async () => {
    await dumpAs('db_2026-01-10.sql');
    await db.query('DROP TABLE trades');
    await db.query('INSERT INTO btc_price_log VALUES (now(), 1)');
    const before = await safetyDumps();

    const result = await transport.run({ action: 'db.restore', params: {} });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      data: { restoredFrom: 'db_2026-01-10.sql', mode: 'clean', tables: { missing: [] } },
    });
    expect(await counts()).toEqual({ btc_price_log: 5, trades: 3 });
    expect(await symbols()).toEqual(['BTC-100K', 'BTC-105K', 'ETH-4K']);
    // The restored sequence goes on where the dump left it.
    await db.query("INSERT INTO trades (symbol) VALUES ('SOL-300')");
    expect((await db.query("SELECT id FROM trades WHERE symbol = 'SOL-300'")).rows[0].id).toBe(4);
    await db.query("DELETE FROM trades WHERE symbol = 'SOL-300'");

    const safetyDump = (result.data as { safetyDump: string }).safetyDump;
    expect(safetyDump).toMatch(/^pre-restore_\d{4}-\d{2}-\d{2}_\d{6}\.sql$/);
    expect(await safetyDumps()).toEqual([...before, safetyDump].sort());
    expect(await tablesIn(join(host.backupsDir, safetyDump))).toEqual(['btc_price_log']);
  });

  test('a safety dump undoes a restore', async () => {
    await db.query("INSERT INTO trades (symbol) VALUES ('UNDO-ME')");
    const restored = await transport.run({ action: 'db.restore', params: { file: 'db_2026-01-10.sql' } });
    expect(restored.ok).toBe(true);
    expect(await symbols()).not.toContain('UNDO-ME');
    const safetyDump = (restored.data as { safetyDump: string }).safetyDump;
    const undone = await transport.run({ action: 'db.restore', params: { file: safetyDump } });
    expect(undone).toMatchObject({ ok: true, data: { restoredFrom: safetyDump } });
    expect(await symbols()).toContain('UNDO-ME');
    await db.query("DELETE FROM trades WHERE symbol = 'UNDO-ME'");
  });

  test(
    'a dump that fails half-way leaves the database exactly as it was ' + '(exit on error, one transaction)',
    async () => {
      // A real dump whose last table's rows fail their check in any database but the one dumped:
      // the clean drops and the first tables' data have already run when the restore stops.
      await customDumpOf(
        `CREATE TABLE trades (id serial primary key, symbol text not null);
       CREATE TABLE btc_price_log (ts timestamptz, price numeric);
       INSERT INTO trades (symbol) VALUES ('OLD');
       CREATE FUNCTION at_home() RETURNS boolean LANGUAGE sql AS $$SELECT current_database() LIKE 'recio_dumpsrc%'$$;
       CREATE TABLE zz_late (n int CHECK (at_home()));
       INSERT INTO zz_late VALUES (1);`,
        join(host.backupsDir, 'db_2026-01-12.sql'),
      );
      await db.query("INSERT INTO trades (symbol) VALUES ('AFTER-DUMP')");
      await db.query('CREATE TABLE scratch_notes (note text)');
      await db.query("INSERT INTO scratch_notes VALUES ('kept')");
      const before = await counts();

      const result = await transport.run({ action: 'db.restore', params: { file: 'db_2026-01-12.sql' } });
      expect(result.ok).toBe(false);
      expect(result.exitCode).not.toBe(0);
      expect(result.error?.message).toContain('rolled back');
      expect(result.error?.message).toContain('violates check constraint');
      expect(result.data).toMatchObject({ restoredFrom: 'db_2026-01-12.sql', rolledBack: true });
      expect(await counts()).toEqual(before);
      expect(before).toMatchObject({ trades: 4, scratch_notes: 1 });
      expect(await symbols()).toContain('AFTER-DUMP');
      await db.query("DELETE FROM trades WHERE symbol = 'AFTER-DUMP'; DROP TABLE scratch_notes");
    },
  );

  test("mode plain (the plan's literal psql < dump) cannot load over existing tables and changes nothing", async () => {
    await patchAgentConfig(host, { db: { restore: { mode: 'plain' } } });
    const plain = transportTo(host);
    try {
      const before = await counts();
      const result = await plain.run({ action: 'db.restore', params: { file: 'db_2026-01-10.sql' } });
      expect(result.ok).toBe(false);
      expect(result.error?.message).toMatch(/already exists/);
      expect(await counts()).toEqual(before);
    } finally {
      await plain.close();
      await patchAgentConfig(host, { db: { restore: { mode: 'clean' } } });
    }
  });
});

describe('db.restore of only the tables that broke', () => {
  test(
    'a dropped table comes back with its index, key and sequence; ' + 'rows written since the dump elsewhere stay',
    async () => {
      await db.query('CREATE INDEX trades_symbol_idx ON trades (symbol)');
      await dumpAs('db_2026-01-20.sql');
      await db.query('DROP INDEX trades_symbol_idx');
      // Today's prices, written after the dump: a full restore would lose them.
      await db.query('INSERT INTO btc_price_log VALUES (now(), 123456), (now(), 123457)');
      const pricesBefore = (await counts()).btc_price_log;
      await db.query('DROP TABLE trades');

      const result = await transport.run({
        action: 'db.restore',
        params: { file: 'db_2026-01-20.sql', tables: ['trades'] },
      });
      expect(result.error).toBeUndefined();
      expect(result.data).toMatchObject({
        restoredFrom: 'db_2026-01-20.sql',
        scope: 'tables',
        restoredTables: ['trades'],
        safetyDump: null,
        tables: { missing: [] },
      });
      expect(await symbols()).toEqual(['BTC-100K', 'BTC-105K', 'ETH-4K']);
      expect((await counts()).btc_price_log).toBe(pricesBefore);
      const indexes = (await db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'trades' ORDER BY 1")).rows;
      expect(indexes.map((r) => r.indexname)).toEqual(['trades_pkey', 'trades_symbol_idx']);
      // Its sequence and default came back, where the dump left them (past the ids earlier tests used).
      const seq = Number((await db.query('SELECT last_value FROM trades_id_seq')).rows[0].last_value);
      expect(seq).toBeGreaterThanOrEqual(3);
      await db.query("INSERT INTO trades (symbol) VALUES ('SOL-300')");
      expect((await db.query("SELECT id FROM trades WHERE symbol = 'SOL-300'")).rows[0].id).toBe(seq + 1);
      await db.query("DELETE FROM trades WHERE symbol = 'SOL-300'; DELETE FROM btc_price_log WHERE price >= 123456");
    },
  );

  test('a damaged table still there is replaced, its rows saved first; the other tables are untouched', async () => {
    await db.query("DELETE FROM trades WHERE symbol = 'ETH-4K'; UPDATE trades SET symbol = 'garbled'");
    await db.query('INSERT INTO btc_price_log VALUES (now(), 1)');
    const pricesBefore = (await counts()).btc_price_log;
    const result = await transport.run({
      action: 'db.restore',
      params: { file: 'db_2026-01-20.sql', tables: ['trades'] },
    });
    expect(result.error).toBeUndefined();
    expect(await symbols()).toEqual(['BTC-100K', 'BTC-105K', 'ETH-4K']);
    expect((await counts()).btc_price_log).toBe(pricesBefore);
    const safetyDump = (result.data as { safetyDump: string }).safetyDump;
    expect(await tablesIn(join(host.backupsDir, safetyDump))).toEqual(['trades']);
    await db.query('DELETE FROM btc_price_log WHERE price = 1');
  });

  test(
    'a table the dump lacks, or a hash the approval did not see, ' + 'is refused with what there is; nothing changes',
    async () => {
      const before = { dumps: await safetyDumps(), counts: await counts() };
      const lacking = await transport.run({
        action: 'db.restore',
        params: { file: 'db_2026-01-20.sql', tables: ['trades', 'trades_snapshot'] },
      });
      expect(lacking).toMatchObject({
        ok: false,
        exitCode: 2,
        error: { code: 'tables_missing' },
        data: { absent: ['trades_snapshot'], available: ['btc_price_log', 'trades'] },
      });
      expect(lacking.error?.message).toContain('it holds: btc_price_log, trades');
      const wrongHash = await transport.run({
        action: 'db.restore',
        params: { file: 'db_2026-01-20.sql', tables: ['trades'], sha256: 'f'.repeat(64) },
      });
      expect(wrongHash).toMatchObject({ ok: false, exitCode: 2, error: { code: 'backup_incomplete' } });
      expect(wrongHash.error?.message).toContain('is not the file that was approved');
      expect(await safetyDumps()).toEqual(before.dumps);
      expect(await counts()).toEqual(before.counts);
    },
  );
});

describe('db.restore when the database cannot be dumped first', () => {
  const localWith = (requireSafetyDump: boolean) =>
    new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        backups: { dir: host.backupsDir },
        db: {
          psql: db.psql,
          pgRestore: db.pgRestore,
          pgDump: ['pg_dump', ...db.connection, 'recio_no_such_database'],
          expectedTables: ['trades'],
          restore: { requireSafetyDump },
        },
      }),
      commandTimeoutMs: 30_000,
    });

  test('by default no safety dump means no restore', async () => {
    await db.query("INSERT INTO trades (symbol) VALUES ('KEEP-ME')");
    const before = { dumps: await safetyDumps(), counts: await counts() };
    const result = await localWith(true).run({ action: 'db.restore', params: { file: 'db_2026-01-10.sql' } });
    expect(result).toMatchObject({ ok: false, data: { safetyDump: null } });
    expect(result.error?.message).toMatch(
      /^safety dump failed, nothing was restored: pg_dump: exit 1: .*recio_no_such_database/,
    );
    expect(await counts()).toEqual(before.counts);
    expect(await safetyDumps()).toEqual(before.dumps);
  });

  test('with requireSafetyDump false the restore goes ahead and says it had none', async () => {
    const result = await localWith(false).run({ action: 'db.restore', params: { file: 'db_2026-01-10.sql' } });
    expect(result).toMatchObject({ ok: true, data: { restoredFrom: 'db_2026-01-10.sql', safetyDump: null } });
    expect((result.data as { safetyDumpError: string }).safetyDumpError).toContain('recio_no_such_database');
    expect(await symbols()).not.toContain('KEEP-ME');
  });
});

describe('db.restore refusals: nothing runs', () => {
  const marker = () => join(host.dir, 'pwned');

  test('injected file names are refused by the bot and, sent raw, by the agent', async () => {
    const before = { dumps: await safetyDumps(), counts: await counts() };
    for (const file of [
      ...injections(marker()),
      'db_2026-01-10.sql.partial',
      'DB_2026-01-10.sql',
      'db_2026-01-10.sql.gz',
      '/etc/passwd',
    ]) {
      const viaBot = await transport.run({ action: 'db.restore', params: { file } });
      expect(viaBot.error?.code, file).toBe('invalid_params');
      const raw = await rawRequest(host, { v: 1, id: 'r1', action: 'db.restore', params: { file } });
      expect(raw.exitCode, file).toBe(2);
      expect(raw.result, file).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
    expect(existsSync(marker())).toBe(false);
    expect(await safetyDumps()).toEqual(before.dumps);
    expect(await counts()).toEqual(before.counts);
  });

  test(
    'a missing, cut-off, altered, plain-SQL, tableless or symlinked backup ' + 'is refused before the safety dump',
    async () => {
      const at = (day: string) => join(host.backupsDir, `db_2026-01-${day}.sql`);
      const good = await readFile(at('10'));
      // Cut off after it was taken: its table of contents still reads, its recorded hash no longer matches.
      await writeFile(at('13'), good.subarray(0, good.length - 16));
      await recordHash(at('13'), good);
      await customDumpOf('', at('14'));
      await customDumpOf('CREATE TABLE btc_price_log (ts timestamptz, price numeric)', at('15'));
      await symlink(at('10'), at('16'));
      // Plain SQL, as the plan's `pg_dump > file` wrote it, with a shell escape psql would have run.
      await writeFile(at('17'), `\\! touch ${marker()}\nCREATE TABLE public.trades (id int);\n`);
      const altered = Buffer.from(good);
      altered[altered.length - 1] = altered[altered.length - 1]! ^ 0xff;
      await writeFile(at('18'), altered);
      await recordHash(at('18'), good);
      const before = { dumps: await safetyDumps(), counts: await counts() };
      const cases: Array<[string, string, RegExp]> = [
        ['db_1999-01-01.sql', 'backup_missing', /not found/],
        ['db_2026-01-13.sql', 'backup_incomplete', /does not match the SHA-256 recorded/],
        ['db_2026-01-14.sql', 'tables_missing', /creates no tables/],
        ['db_2026-01-15.sql', 'tables_missing', /lacks expected tables \(trades\)/],
        ['db_2026-01-16.sql', 'backup_missing', /not a regular file/],
        ['db_2026-01-17.sql', 'backup_incomplete', /not a pg_dump custom-format archive/],
        ['db_2026-01-18.sql', 'backup_incomplete', /does not match the SHA-256 recorded/],
      ];
      for (const [file, code, message] of cases) {
        const result = await transport.run({ action: 'db.restore', params: { file } });
        expect(result.ok, file).toBe(false);
        expect(result.exitCode, file).toBe(2);
        expect(result.error?.code, `${file}: ${result.error?.message}`).toBe(code);
        expect(result.error?.message, file).toMatch(message);
      }
      expect(await safetyDumps()).toEqual(before.dumps);
      expect(await counts()).toEqual(before.counts);
      expect(existsSync(marker())).toBe(false);
      for (const f of ['13', '14', '15', '16', '17', '18']) await rm(at(f), { force: true });
    },
  );

  test('the default (newest) skips safety dumps and an empty dir says there is no backup', async () => {
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        backups: { dir: join(host.dir, 'no-such-dir') },
        db: { psql: db.psql, pgDump: db.pgDump },
      }),
      commandTimeoutMs: 10_000,
    });
    const result = await local.run({ action: 'db.restore', params: {} });
    expect(result).toMatchObject({ ok: false, exitCode: 2, error: { code: 'backup_missing' } });
    expect(existsSync(join(host.dir, 'no-such-dir'))).toBe(false);
  });
});
