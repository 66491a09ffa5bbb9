import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { isOutcome, localStamp, resolveDump } from '../backup-files.js';
import { dumpDatabase } from '../pg-dump.js';
import { tablesInDump } from '../pg-tables.js';
import { checkTables } from './db.js';

/**
 * db.restore — the plan's "restore from backup" (§1.1 step 3), made safe to press at 3 a.m.
 *
 * params: { file?: a backup name (db_YYYY-MM-DD[_HHMMSS].sql or pre-restore_…; default the newest nightly) }
 * data:   { restoredFrom, safetyDump (file name, or null when the config allows going on without),
 *           mode, tables: { expected, present, missing } }
 * config: db.psql, db.pgDump, db.env, db.expectedTables, db.restore.{mode, schemas, requireSafetyDump},
 *         backups.dir
 *
 * Order: (1) the dump is checked — named in the pattern, a regular file in the backups dir, complete,
 * and it creates at least one table and every table in db.expectedTables (a restore that cannot meet
 * its postcondition is refused before it can wipe anything); (2) a safety dump of the database as it
 * is now, `pre-restore_<stamp>.sql`, complete, so the restore can be undone with db.restore on it;
 * (3) psql -v ON_ERROR_STOP=1 --single-transaction: the first error rolls everything back;
 * (4) postcondition: the expected tables and every table the dump creates are there.
 *
 * Restoring into a database that still has objects: a plain pg_dump file says `CREATE TABLE`, which
 * fails on an existing table. Mode `clean` (default) drops and recreates the configured schemas
 * (`public`) as the first command of the same transaction, so the dump loads into an empty schema
 * and a failing dump rolls the drop back with everything else: the database is exactly as before.
 * The restore takes exclusive locks on every table; programs holding long transactions make it wait
 * (until the request's deadline), so the runbook stops writers first. The psql user must own the
 * database (or the schemas) to drop them.
 */
export const dbRestore: ActionHandler<'db.restore'> = async ({ file }, ctx) => {
  const { dir } = ctx.config.backups;
  const dump = await resolveDump(dir, file);
  if (isOutcome(dump)) return dump;
  const inDump = await refuseUnusableDump(ctx, dump.file, dump.path);
  if (!Array.isArray(inDump)) return inDump;
  const expected = [...new Set([...ctx.config.db.expectedTables, ...inDump])].sort();

  const safety = await dumpDatabase(ctx, dir, async () => `pre-restore_${localStamp(new Date())}.sql`);
  if (isOutcome(safety) && ctx.config.db.restore.requireSafetyDump) {
    const message = `safety dump failed, nothing was restored: ${safety.error?.message ?? 'unknown error'}`;
    return {
      ...safety,
      error: { code: safety.error?.code ?? ErrorCode.ActionFailed, message },
      data: { restoredFrom: dump.file, safetyDump: null },
    };
  }
  const safetyDump = isOutcome(safety) ? null : safety.file;
  const { mode } = ctx.config.db.restore;
  const base = {
    restoredFrom: dump.file,
    safetyDump,
    mode,
    ...(isOutcome(safety) ? { safetyDumpError: safety.error?.message } : {}),
  };

  const run = await ctx.run(
    [
      ...ctx.config.db.psql,
      '--quiet',
      '-v',
      'ON_ERROR_STOP=1',
      '--single-transaction',
      ...cleanArgs(ctx),
      '-f',
      dump.path,
    ],
    { env: ctx.config.db.env },
  );
  if (run.exitCode !== 0 || run.timedOut) {
    // psql stopped at an error (exit 3) or never got going: no COMMIT was sent, nothing changed. Killed
    // at the deadline, the COMMIT may have been in flight: the outcome is unknown, so no claim is made.
    if (run.timedOut) return failedRun(run, `restore of ${dump.file}`, base);
    return failedRun(run, `restore of ${dump.file} failed and was rolled back; the database is as it was`, {
      ...base,
      rolledBack: true,
    });
  }
  const tables = await checkTables(ctx, expected);
  if ('ok' in tables) return { ...tables, data: base };
  const data = { ...base, tables };
  return tables.missing.length === 0
    ? succeeded(data)
    : failed(
        ErrorCode.TablesMissing,
        `restored ${dump.file} but tables are missing: ${tables.missing.join(', ')}`,
        data,
      );
};

/** `pre-restore_<stamp>.sql`, a second later if a restore this second already took that name. */
/** The dump's tables, or a refusal when restoring it could not end with the expected tables. */
async function refuseUnusableDump(ctx: ActionContext, file: string, path: string): Promise<string[] | ActionOutcome> {
  const inDump = await tablesInDump(path);
  if (inDump.length === 0)
    return failed(ErrorCode.TablesMissing, `backup ${file} creates no tables: refusing to restore it`, { file }, 2);
  const lacking = ctx.config.db.expectedTables.filter((t) => !inDump.includes(t));
  if (lacking.length > 0) {
    return failed(
      ErrorCode.TablesMissing,
      `backup ${file} lacks expected tables (${lacking.join(', ')}): refusing to restore it`,
      { file, lacking },
      2,
    );
  }
  return inDump;
}

/**
 * Mode `clean`: empty the schemas inside the restore's transaction. `public` comes back as a fresh
 * database has it (PostgreSQL 15+: owned by pg_database_owner, USAGE for everyone; older: ALL for
 * everyone), because a plain dump of an untouched public schema does not say how it was.
 */
function cleanArgs(ctx: ActionContext): string[] {
  const { mode, schemas } = ctx.config.db.restore;
  if (mode !== 'clean') return [];
  const statements = schemas.map((schema) => `DROP SCHEMA IF EXISTS ${schema} CASCADE;`);
  if (schemas.includes('public')) {
    statements.push(
      'CREATE SCHEMA public;',
      `DO $$BEGIN
  IF current_setting('server_version_num')::int >= 150000 THEN
    ALTER SCHEMA public OWNER TO pg_database_owner;
    GRANT USAGE ON SCHEMA public TO PUBLIC;
  ELSE
    GRANT ALL ON SCHEMA public TO PUBLIC;
  END IF;
  COMMENT ON SCHEMA public IS 'standard public schema';
END$$;`,
    );
  }
  return ['-c', statements.join('\n')];
}
