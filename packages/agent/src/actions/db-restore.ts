import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { isOutcome, localStamp, resolveDump } from '../backup-files.js';
import { dumpDatabase } from '../pg-dump.js';
import { restoreErrorOf, tablesOf } from '../pg-toc.js';
import { checkTables } from './db.js';

/**
 * db.restore — the plan's "restore from backup" (§1.1 step 3), made safe to press at 3 a.m.
 *
 * params: { file?: a backup name (db_YYYY-MM-DD[_HHMMSS].sql or pre-restore_…; default the newest nightly) }
 * data:   { restoredFrom, sha256, safetyDump (file name, or null when the config allows going on without),
 *           mode, tables: { expected, present, missing } }
 * config: db.pgRestore, db.pgDump, db.psql, db.env, db.expectedTables,
 *         db.restore.{mode, requireSafetyDump}, backups.dir
 *
 * Order: (1) the dump is checked — named in the pattern, a regular file in the backups dir, a
 * custom-format archive whose hash matches the one recorded when it was taken, and it creates at
 * least one table and every table in db.expectedTables (a restore that cannot meet its
 * postcondition is refused before it can wipe anything); (2) a safety dump of the database as it
 * is now, `pre-restore_<stamp>.sql`, so the restore can be undone with db.restore on it;
 * (3) `pg_restore --exit-on-error --single-transaction`: the first error rolls everything back;
 * (4) postcondition: the expected tables and every table the dump creates are there.
 *
 * Restoring into a database that still has objects: mode `clean` (default) adds `--clean
 * --if-exists`, so every object the dump holds is dropped and recreated inside the same
 * transaction (a failure rolls the drops back too: the database is exactly as before); tables made
 * after the dump are left alone. `plain` restores without dropping: into a database with those
 * objects it fails and changes nothing. The restore takes exclusive locks on every table; programs
 * holding long transactions make it wait (until the request's deadline), so the runbook stops
 * writers first. The restoring user must own the objects to drop them.
 */
export const dbRestore: ActionHandler<'db.restore'> = async ({ file }, ctx) => {
  const { dir } = ctx.config.backups;
  const dump = await resolveDump(ctx, file);
  if (isOutcome(dump)) return dump;
  const inDump = refuseUnusableDump(ctx, dump.file, tablesOf(dump.toc));
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
    sha256: dump.sha256,
    safetyDump,
    mode,
    ...(isOutcome(safety) ? { safetyDumpError: safety.error?.message } : {}),
  };

  const clean = mode === 'clean' ? ['--clean', '--if-exists'] : [];
  const run = await ctx.run(
    [...ctx.config.db.pgRestore, '--exit-on-error', '--single-transaction', ...clean, dump.path],
    { env: ctx.config.db.env },
  );
  if (run.exitCode !== 0 || run.timedOut) {
    // pg_restore stopped at an error or never got going: no COMMIT was sent, nothing changed. Killed
    // at the deadline, the COMMIT may have been in flight: the outcome is unknown, so no claim is made.
    if (run.timedOut) return failedRun(run, `restore of ${dump.file}`, base);
    const said = { ...run, stderr: restoreErrorOf(run.stderr) ?? run.stderr };
    return failedRun(said, `restore of ${dump.file} failed and was rolled back; the database is as it was`, {
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

/** The dump's tables, or a refusal when restoring it could not end with the expected tables. */
function refuseUnusableDump(ctx: ActionContext, file: string, inDump: string[]): string[] | ActionOutcome {
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
