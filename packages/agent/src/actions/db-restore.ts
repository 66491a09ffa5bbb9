import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOutcome, localStamp, resolveDump, type ResolvedDump } from '../backup-files.js';
import { listTables } from '../pg-tables.js';
import { createPrivateFile } from '../private-files.js';
import { entriesForTables, schemaScript, scriptBodies } from '../table-entries.js';
import { dumpDatabase } from '../pg-dump.js';
import { restoreErrorOf, tablesOf } from '../pg-toc.js';
import { checkTables } from './db.js';
import { removeJournal, tableOids, writeJournal } from '../restore-journal.js';

/**
 * db.restore — the plan's "restore from backup" (§1.1 step 3), made safe to press at 3 a.m.
 *
 * params: { file?: a backup name (db_YYYY-MM-DD[_HHMMSS].sql or pre-restore_…; default the newest nightly),
 *           tables?: only these tables (see restoreTables), sha256?: the hash the approval was given for }
 * data:   { restoredFrom, sha256, scope: full | tables, restoredTables?, safetyDump (file name, or null when
 *           the config allows going on without, or when every table to restore is missing), mode,
 *           tables: { expected, present, missing } }
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
export const dbRestore: ActionHandler<'db.restore'> = async ({ file, tables, sha256 }, ctx) => {
  const dump = await resolveDump(ctx, file, sha256);
  if (isOutcome(dump)) return dump;
  if (sha256 !== undefined && sha256 !== dump.sha256) {
    return failed(
      ErrorCode.BackupIncomplete,
      `${dump.file} is not the file that was approved: its SHA-256 is ${dump.sha256.slice(0, 12)}…, the approval ` +
        `was for ${sha256.slice(0, 12)}…; nothing was restored`,
      { file: dump.file, sha256: dump.sha256, approved: sha256 },
      2,
    );
  }
  const inDump = tablesOf(dump.toc);
  if (tables !== undefined) return restoreTables(ctx, dump, inDump, tables);
  const usable = refuseUnusableDump(ctx, dump.file, inDump);
  if (!Array.isArray(usable)) return usable;
  const expected = [...new Set([...ctx.config.db.expectedTables, ...inDump])].sort();

  const safety = await takeSafetyDump(ctx, dump.file, []);
  if (isOutcome(safety)) return safety;
  const { mode } = ctx.config.db.restore;
  const base = { restoredFrom: dump.file, sha256: dump.sha256, scope: 'full', mode, ...safety };
  const clean = mode === 'clean' ? ['--clean', '--if-exists'] : [];
  return runRestore(ctx, [...clean, dump.path], dump, base, expected, inDump);
};

/**
 * Only `tables`, out of the dump, with their indexes, constraints, defaults and sequences (a
 * `--use-list` of their entries, see table-entries.ts): every other table keeps the rows written
 * since the dump. A table that is still there (damaged) is dropped and recreated inside the same
 * transaction. The safety dump holds just those tables as they are now (none when all are missing:
 * there is nothing of them to lose).
 */
async function restoreTables(
  ctx: ActionContext,
  dump: ResolvedDump,
  inDump: string[],
  tables: string[],
): Promise<ActionOutcome> {
  const absent = tables.filter((t) => !inDump.includes(t));
  if (absent.length > 0) {
    return failed(
      ErrorCode.TablesMissing,
      `${dump.file} has no table ${absent.join(', ')}; it holds: ${inDump.join(', ')}. Nothing was restored`,
      { file: dump.file, absent, available: inDump },
      2,
    );
  }
  const script = await schemaScript(ctx, dump.path);
  if (typeof script !== 'string') return script;
  const entries = entriesForTables(dump.toc, scriptBodies(script), tables);
  const present = await listTables(ctx);
  if (!Array.isArray(present)) return present;
  const existing = tables.filter((t) => present.includes(t));
  const safety = await takeSafetyDump(
    ctx,
    dump.file,
    existing.flatMap((t) => ['--table', t]),
    existing.length === 0,
  );
  if (isOutcome(safety)) return safety;
  const list = join(ctx.config.backups.dir, `.restore-${randomBytes(6).toString('hex')}.list`);
  try {
    await createPrivateFile(list);
    await writeFile(list, `${entries.map((e) => e.line).join('\n')}\n`);
    const base = {
      restoredFrom: dump.file,
      sha256: dump.sha256,
      scope: 'tables',
      restoredTables: tables,
      entries: entries.length,
      ...safety,
    };
    const args = ['--clean', '--if-exists', '--use-list', list, dump.path];
    return await runRestore(ctx, args, dump, base, tables, tables);
  } finally {
    await rm(list, { force: true });
  }
}

/** The safety dump before a restore (whole, or only `args` tables); `skip` when there is nothing to save. */
async function takeSafetyDump(
  ctx: ActionContext,
  file: string,
  args: string[],
  skip = false,
): Promise<{ safetyDump: string | null; safetyDumpError?: string } | ActionOutcome> {
  if (skip) return { safetyDump: null };
  const name = async () => `pre-restore_${localStamp(new Date())}.sql`;
  const safety = await dumpDatabase(ctx, ctx.config.backups.dir, name, args);
  if (!isOutcome(safety)) return { safetyDump: safety.file };
  if (ctx.config.db.restore.requireSafetyDump) {
    const message = `safety dump failed, nothing was restored: ${safety.error?.message ?? 'unknown error'}`;
    return {
      ...safety,
      error: { code: safety.error?.code ?? ErrorCode.ActionFailed, message },
      data: { restoredFrom: file, safetyDump: null },
    };
  }
  return { safetyDump: null, ...(safety.error ? { safetyDumpError: safety.error.message } : {}) };
}

/**
 * pg_restore in one transaction, then the postcondition: `expected` tables are there. A journal
 * names the restore while pg_restore runs (restore-journal.ts): if the agent is killed, pg_restore
 * dies with it (dieWithAgent), the server rolls its transaction back, and db.restore.outcome can
 * say afterwards which dump was cut off and that the safety dump's state is what is there.
 */
async function runRestore(
  ctx: ActionContext,
  args: string[],
  dump: ResolvedDump,
  base: Record<string, unknown>,
  expected: readonly string[],
  touched: readonly string[],
): Promise<ActionOutcome> {
  const { file } = dump;
  const { dir } = ctx.config.backups;
  const oids = await tableOids(ctx);
  if (isOutcome(oids)) return { ...oids, data: base };
  await writeJournal(dir, {
    file,
    sha256: dump.sha256,
    scope: base.scope === 'tables' ? 'tables' : 'full',
    tables: [...touched],
    safetyDump: typeof base.safetyDump === 'string' ? base.safetyDump : null,
    agentPid: process.pid,
    startedAt: new Date().toISOString(),
    oids: Object.fromEntries(touched.map((t) => [t, oids.get(t) ?? null])),
  });
  const argv = [
    ...ctx.config.db.restore.dieWithAgent,
    ...ctx.config.db.pgRestore,
    '--exit-on-error',
    '--single-transaction',
    ...args,
  ];
  const run = await ctx.run(argv, { env: ctx.config.db.env });
  // Only once pg_restore has ended: with it still running the journal is what explains it later.
  if (!run.timedOut) await removeJournal(dir);
  if (run.exitCode !== 0 || run.timedOut) {
    // pg_restore stopped at an error or never got going: no COMMIT was sent, nothing changed. Killed
    // at the deadline, the COMMIT may have been in flight: the outcome is unknown, so no claim is made.
    if (run.timedOut) return failedRun(run, `restore of ${file}`, base);
    const said = { ...run, stderr: restoreErrorOf(run.stderr) ?? run.stderr };
    return failedRun(said, `restore of ${file} failed and was rolled back; the database is as it was`, {
      ...base,
      rolledBack: true,
    });
  }
  const tables = await checkTables(ctx, [...expected].sort());
  if ('ok' in tables) return { ...tables, data: base };
  const data = { ...base, tables };
  return tables.missing.length === 0
    ? succeeded(data)
    : failed(ErrorCode.TablesMissing, `restored ${file} but tables are missing: ${tables.missing.join(', ')}`, data);
}

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
