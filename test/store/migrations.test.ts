import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RecioError } from '@recio/protocol/errors';
import { openStore, runMigrations, type Store } from '@recio/bot/store/index';
import { locateMigrationsDir } from '@recio/bot/store/migrate';
import { adminQuery, createMachineDatabase, makeTempDir } from './support/backends.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BOT = join(REPO, 'packages', 'bot');
const REAL_MIGRATIONS = join(BOT, 'migrations');

describe('migrations', () => {
  let dir: string;
  const databases: Array<{ drop(): Promise<void> }> = [];
  const stores: Store[] = [];

  /** A migrations dir: the real ones plus a test migration that would double-count if applied twice. */
  function migrationsDir(extra: Record<string, string> = {}): string {
    const target = join(dir, `m-${Math.random().toString(36).slice(2)}`);
    mkdirSync(target);
    copyFileSync(join(REAL_MIGRATIONS, '001_initial.sql'), join(target, '001_initial.sql'));
    writeFileSync(
      join(target, '002_counter.sql'),
      'CREATE TABLE applied_once (n int);\nINSERT INTO applied_once VALUES (1);\n',
    );
    for (const [name, sql] of Object.entries(extra)) writeFileSync(join(target, name), sql);
    return target;
  }

  async function freshDatabase(): Promise<string> {
    const db = await createMachineDatabase();
    databases.push(db);
    return db.url;
  }

  async function open(
    url: string,
    migrations: string,
    options: { migrate?: boolean; logger?: Parameters<typeof openStore>[0]['logger'] } = {},
  ): Promise<Store> {
    const store = await openStore({ databaseUrl: url, dataDir: dir, migrationsDir: migrations, ...options });
    stores.push(store);
    return store;
  }

  beforeAll(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(async () => {
    for (const db of databases) await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies each migration once when five replicas start together', async () => {
    const url = await freshDatabase();
    const migrations = migrationsDir();
    await Promise.all(Array.from({ length: 5 }, () => open(url, migrations)));
    expect(await adminQuery(url, 'SELECT count(*)::int AS n FROM applied_once')).toEqual([{ n: 1 }]);
    expect(await adminQuery(url, 'SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
      { version: 1, name: '001_initial' },
      { version: 2, name: '002_counter' },
    ]);
    // No advisory lock is left behind on any session of this database (advisory locks are per
    // database: another test file migrating its own database at the same moment holds its own).
    expect(
      await adminQuery(
        url,
        'SELECT count(*)::int AS n FROM pg_locks ' +
          "WHERE locktype = 'advisory' AND classid = x'52454349'::int AND objid = 1 " +
          'AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('applies only what is new, and reports it (recio migrate)', async () => {
    const url = await freshDatabase();
    const store = await open(url, migrationsDir(), { migrate: false });
    expect(await runMigrations(store)).toEqual({
      applied: ['001_initial', '002_counter'],
      alreadyApplied: 0,
      unknownInDatabase: [],
    });
    expect(await runMigrations(store)).toEqual({ applied: [], alreadyApplied: 2, unknownInDatabase: [] });
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const url = await freshDatabase();
    const migrations = migrationsDir();
    await open(url, migrations);
    writeFileSync(join(migrations, '002_counter.sql'), 'CREATE TABLE applied_once (n bigint);\n');
    const error = await open(url, migrations).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecioError);
    expect((error as RecioError).code).toBe('migration_failed');
    expect((error as RecioError).message).toMatch(/002_counter\.sql was changed after it was applied/);
  });

  it('rolls a failing migration back whole, names it, and records nothing', async () => {
    const url = await freshDatabase();
    const migrations = migrationsDir({ '003_broken.sql': 'CREATE TABLE half_done (x int);\nSELECT 1 / 0;\n' });
    const error = await open(url, migrations).catch((e: unknown) => e);
    expect((error as RecioError).code).toBe('migration_failed');
    expect((error as RecioError).message).toMatch(/003_broken\.sql failed: division by zero/);
    expect(await adminQuery(url, `SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
    expect(await adminQuery(url, 'SELECT max(version) AS v FROM schema_migrations')).toEqual([{ v: 2 }]);
  });

  it('warns, and carries on, when the database is ahead of this build', async () => {
    const url = await freshDatabase();
    const migrations = migrationsDir();
    await open(url, migrations);
    await adminQuery(
      url,
      `INSERT INTO schema_migrations (version, name, checksum) VALUES (9, '009_from_the_future', 'x')`,
    );
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_: object, msg?: string) => void warnings.push(msg ?? ''),
    };
    const store = await open(url, migrations, { logger });
    expect(await runMigrations(store)).toMatchObject({ applied: [], unknownInDatabase: [9] });
    expect(warnings.some((w) => /newer bot/.test(w))).toBe(true);
  });

  it('rejects a file that does not follow NNN_name.sql', async () => {
    const url = await freshDatabase();
    const error = await open(url, migrationsDir({ '3-oops.sql': 'SELECT 1;' })).catch((e: unknown) => e);
    expect((error as RecioError).message).toMatch(/3-oops\.sql: expected a name like 001_initial\.sql/);
  });

  it('finds the SQL at the package root, from src/ and from a compiled dist/ alike', () => {
    expect(locateMigrationsDir(pathToFileURL(join(BOT, 'src', 'store', 'migrate.ts')).href)).toBe(REAL_MIGRATIONS);
    expect(locateMigrationsDir(pathToFileURL(join(BOT, 'dist', 'store', 'migrate.js')).href)).toBe(REAL_MIGRATIONS);
    const elsewhere = join(dir, 'no-package', 'store');
    mkdirSync(elsewhere, { recursive: true });
    expect(() => locateMigrationsDir(pathToFileURL(join(elsewhere, 'migrate.js')).href)).toThrow(
      /cannot find the store's SQL migrations; looked in: /,
    );
  });
});
