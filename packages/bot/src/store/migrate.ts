import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { sha256Hex } from './canonical-json.js';
import { LOCK_CLASS, LOCK_MIGRATIONS } from './lock-keys.js';
import type { StoreLogger } from './logger.js';
import { toStoreError } from './store-error.js';

/** One forward-only schema change, read from `src/store/migrations/NNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** What a migration run did. */
export interface MigrationReport {
  /** `NNN_name` of each migration applied by this call, in order. */
  applied: string[];
  /** How many were already in the database before this call. */
  alreadyApplied: number;
  /** Versions recorded in the database that this build does not know (a newer bot ran here). */
  unknownInDatabase: number[];
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/**
 * The .sql files ship once, at the package's root (`migrations/`): tsc copies nothing, and from
 * src/store (vitest, tsx) and dist/store (node) alike they are two folders up.
 */
export function locateMigrationsDir(moduleUrl: string = import.meta.url): string {
  const dir = resolve(dirname(fileURLToPath(moduleUrl)), '../../migrations');
  if (hasSqlFiles(dir)) return dir;
  throw new RecioError(ErrorCode.MigrationFailed, `cannot find the store's SQL migrations; looked in: ${dir}`);
}

function hasSqlFiles(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => f.endsWith('.sql'));
  } catch {
    return false;
  }
}

export function loadMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new RecioError(ErrorCode.MigrationFailed, `${join(dir, file)}: expected a name like 001_initial.sql`);
    }
    // Line endings must not change a checksum: a checkout with CRLF is the same migration.
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new RecioError(ErrorCode.MigrationFailed, `${dir}: two migrations numbered ${match[1]}`);
    }
    migrations.push({ version, name: `${match[1]}_${match[2]}`, sql, checksum: sha256Hex(sql) });
  }
  return migrations;
}

/**
 * Applies pending migrations, each in its own transaction, while holding a session advisory lock
 * on a connection of its own: replicas starting together queue on the lock, and the later ones
 * find the work done. The lock is never taken through a pool, where it could stay behind on a
 * pooled connection or be released on another one.
 */
export async function applyMigrations(
  connectionString: string,
  dir: string,
  logger: StoreLogger,
  connectTimeoutMs: number,
): Promise<MigrationReport> {
  const migrations = loadMigrations(dir);
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'recio-bot:migrate',
    // Long enough to wait for another replica's migrations, short enough not to wait forever.
    statement_timeout: 300_000,
  });
  client.on('error', (error) => logger.warn({ err: error.message }, 'store: migration connection lost'));
  try {
    await client.connect();
  } catch (error) {
    throw toStoreError(error);
  }
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATIONS]);
    // Only when missing: a runtime role without CREATE on the schema (DATABASE_OWNER_URL set up)
    // then opens an up-to-date database without being refused for a statement that does nothing.
    const [{ exists }] = (
      await client.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists")
    ).rows as [{ exists: boolean }];
    if (!exists)
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    const done = new Set<number>();
    const unknownInDatabase: number[] = [];
    for (const row of rows) {
      const migration = known.get(row.version);
      if (!migration) {
        unknownInDatabase.push(row.version);
        continue;
      }
      if (migration.checksum !== row.checksum) {
        throw new RecioError(
          ErrorCode.MigrationFailed,
          `migration ${migration.name}.sql was changed after it was applied (forward-only: add a new file instead)`,
        );
      }
      done.add(row.version);
    }
    if (unknownInDatabase.length > 0) {
      logger.warn(
        { versions: unknownInDatabase },
        'store: the database has migrations this build does not know; a newer bot has run here',
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const unavailable = toStoreError(error);
        if (unavailable !== error) throw unavailable;
        throw new RecioError(
          ErrorCode.MigrationFailed,
          `migration ${migration.name}.sql failed: ${(error as Error).message}`,
          {},
          { cause: error },
        );
      }
      logger.info({ migration: migration.name }, 'store: migration applied');
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size, unknownInDatabase };
  } catch (error) {
    throw toStoreError(error);
  } finally {
    // Ending the session releases the advisory lock even if the unlock itself cannot be sent.
    await client.end().catch(() => undefined);
  }
}
