import { existsSync } from 'node:fs';
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { LocalTransport } from '@recio/bot/hosts/local-transport';
import type { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { injections, patchAgentConfig, rawRequest, transportTo } from './agent-harness.js';

let db: TestDatabase;
let host: TestHost;
let transport: SshTransport;

const counts = async () => {
  const tables = (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
    (r) => r.tablename as string,
  );
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await db.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  return out;
};
const safetyDumps = async () => (await readdir(host.backupsDir)).filter((f) => f.startsWith('pre-restore_')).sort();
const symbols = async () =>
  (await db.query('SELECT symbol FROM trades ORDER BY id')).rows.map((r) => r.symbol as string);

/** A fresh nightly dump of the database as it is now, under a name of our choosing. */
async function dumpAs(name: string): Promise<string> {
  const created = await transport.run({ action: 'backup.create', params: {} });
  expect(created.ok).toBe(true);
  const file = (created.data as { file: string }).file;
  const text = await readFile(join(host.backupsDir, file), 'utf8');
  await rm(join(host.backupsDir, file));
  await writeFile(join(host.backupsDir, name), text);
  return text;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(
    'CREATE TABLE trades (id serial primary key, symbol text not null); CREATE TABLE btc_price_log (ts timestamptz, price numeric)',
  );
  await db.query("INSERT INTO trades (symbol) VALUES ('BTC-100K'), ('BTC-105K'), ('ETH-4K')");
  await db.query(
    "INSERT INTO btc_price_log SELECT now() - n * interval '1 minute', 97000 + n FROM generate_series(1, 5) n",
  );
  host = await startTestHost({
    agentConfig: {
      db: { psql: db.psql, pgDump: db.pgDump, expectedTables: ['trades', 'btc_price_log'], scratch: db.scratch },
    },
  });
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
    const saved = await readFile(join(host.backupsDir, safetyDump), 'utf8');
    expect(saved).toContain('PostgreSQL database dump complete');
    expect(saved).not.toContain('CREATE TABLE public.trades');
    expect(saved).toContain('CREATE TABLE public.btc_price_log');
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

  test('a dump that fails half-way leaves the database exactly as it was (ON_ERROR_STOP, one transaction)', async () => {
    const good = await dumpAs('db_2026-01-11.sql');
    // Break it after the first table's data is in: the clean drop and that table have already run.
    const at = good.indexOf('\\.\n') + 3;
    expect(at).toBeGreaterThan(3);
    await writeFile(
      join(host.backupsDir, 'db_2026-01-12.sql'),
      `${good.slice(0, at)}\nINSERT INTO public.no_such_table VALUES (1);\n${good.slice(at)}`,
    );
    await db.query("INSERT INTO trades (symbol) VALUES ('AFTER-DUMP')");
    await db.query('CREATE TABLE scratch_notes (note text)');
    await db.query("INSERT INTO scratch_notes VALUES ('kept')");
    const before = await counts();

    const result = await transport.run({ action: 'db.restore', params: { file: 'db_2026-01-12.sql' } });
    expect(result.ok).toBe(false);
    expect(result.exitCode).not.toBe(0);
    expect(result.error?.message).toContain('rolled back');
    expect(result.error?.message).toContain('no_such_table');
    expect(result.data).toMatchObject({ restoredFrom: 'db_2026-01-12.sql', rolledBack: true });
    expect(await counts()).toEqual(before);
    expect(before).toMatchObject({ trades: 4, scratch_notes: 1 });
    expect(await symbols()).toContain('AFTER-DUMP');
    await db.query("DELETE FROM trades WHERE symbol = 'AFTER-DUMP'; DROP TABLE scratch_notes");
  });

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

describe('db.restore when the database cannot be dumped first', () => {
  const localWith = (requireSafetyDump: boolean) =>
    new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        backups: { dir: host.backupsDir },
        db: {
          psql: db.psql,
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

  test('a missing, incomplete, tableless or symlinked backup is refused before the safety dump', async () => {
    const good = await readFile(join(host.backupsDir, 'db_2026-01-10.sql'), 'utf8');
    await writeFile(join(host.backupsDir, 'db_2026-01-13.sql'), good.slice(0, Math.floor(good.length / 2)));
    await writeFile(join(host.backupsDir, 'db_2026-01-14.sql'), '--\n-- PostgreSQL database dump complete\n--\n');
    await writeFile(
      join(host.backupsDir, 'db_2026-01-15.sql'),
      good.replace(/CREATE TABLE public\.trades[\s\S]*?\);\n/, ''),
    );
    await symlink(join(host.backupsDir, 'db_2026-01-10.sql'), join(host.backupsDir, 'db_2026-01-16.sql'));
    const before = { dumps: await safetyDumps(), counts: await counts() };
    const cases: Array<[string, string, RegExp]> = [
      ['db_1999-01-01.sql', 'backup_missing', /not found/],
      ['db_2026-01-13.sql', 'backup_incomplete', /incomplete/],
      ['db_2026-01-14.sql', 'tables_missing', /creates no tables/],
      ['db_2026-01-15.sql', 'tables_missing', /lacks expected tables \(trades\)/],
      ['db_2026-01-16.sql', 'backup_missing', /not a regular file/],
    ];
    for (const [file, code, message] of cases) {
      const result = await transport.run({ action: 'db.restore', params: { file } });
      expect(result.ok, file).toBe(false);
      expect(result.exitCode, file).toBe(2);
      expect(result.error?.code, file).toBe(code);
      expect(result.error?.message, file).toMatch(message);
    }
    expect(await safetyDumps()).toEqual(before.dumps);
    expect(await counts()).toEqual(before.counts);
    for (const f of ['13', '14', '15', '16']) await rm(join(host.backupsDir, `db_2026-01-${f}.sql`));
  });

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
