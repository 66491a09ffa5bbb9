import { randomBytes } from 'node:crypto';
import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { fillArgv } from '../argv-template.js';
import { isOutcome, resolveDump } from '../backup-files.js';
import { countRows } from '../pg-tables.js';
import { restoreErrorOf } from '../pg-toc.js';
import { writeTestRecord } from '../restore-test-record.js';

export interface TableCount {
  name: string;
  /** Rows in the live database now; null when the live database lacks the table or could not be asked. */
  live: number | null;
  /** Rows the backup restored; null when the backup lacks the table. */
  restored: number | null;
}

/** Lines up both sides. Row counts drift after a nightly dump: that is reported, not judged. */
export function compareCounts(
  live: Map<string, number> | undefined,
  restored: Map<string, number>,
  expected: readonly string[],
) {
  const names = [...new Set([...(live?.keys() ?? []), ...restored.keys(), ...expected])].sort();
  const tables: TableCount[] = names.map((name) => ({
    name,
    live: live?.get(name) ?? null,
    restored: restored.get(name) ?? null,
  }));
  return {
    tables,
    matches: live !== undefined && tables.every((t) => t.live === t.restored),
    /** In the live database or the expected list, absent from the backup. */
    missingInBackup: tables.filter((t) => t.restored === null).map((t) => t.name),
    /** Restored with no rows (suspicious when the live table has some). */
    emptyInBackup: tables.filter((t) => t.restored === 0).map((t) => t.name),
    expectedMissing: expected.filter((name) => !restored.has(name)),
  };
}

/**
 * backup.verify — restores a dump where it cannot hurt and checks it, the test the plan never had.
 *
 * params: { file?: a backup name (default the newest nightly) }
 * data:   { file, scratchDb, tables: [{ name, live, restored }], matches, missingInBackup,
 *           emptyInBackup, expected, liveError?, scratchDropped }
 * config: db.scratch.{create, drop, psql, pgRestore} (argv with {db}), db.psql (live counts), db.env,
 *         db.expectedTables
 *
 * The dump is loaded with `pg_restore --exit-on-error --single-transaction` straight into the
 * scratch database, never through psql: a custom-format archive holds SQL for the server only, so
 * nothing in it can run a command on the host (resolveDump refuses plain SQL files outright). This
 * action needs no approval, which is why that matters.
 *
 * The verdict is kept beside the dump as `<dump>.tested` (restore-test-record.ts): backup.list shows it.
 *
 * ok when the dump loaded (exit on the first error, one transaction) and every expected table is in it (with
 * no expected list: at least one table). The scratch database `recio_verify_<hex>` is dropped in all
 * cases, past the deadline if need be; if that fails the action fails and names it.
 */
export const backupVerify: ActionHandler<'backup.verify'> = async ({ file }, ctx) => {
  const dump = await resolveDump(ctx, file);
  if (isOutcome(dump)) return dump;
  const scratchDb = `recio_verify_${randomBytes(5).toString('hex')}`;
  const { env } = ctx.config.db;
  const { create, drop } = ctx.config.db.scratch;
  let outcome: ActionOutcome;
  const made = await ctx.run(fillArgv(create, { db: scratchDb }), { env });
  if (made.exitCode !== 0 || made.timedOut || made.startError !== undefined) {
    outcome = failedRun(made, 'creating the scratch database', { file: dump.file, scratchDb });
  } else {
    outcome = await loadAndCompare(ctx, dump.file, dump.path, scratchDb);
    outcome = { ...outcome, data: { ...(outcome.data as object), sha256: dump.sha256 } };
  }
  // Also after a failed create: a createdb killed at the deadline may have created it.
  const dropped = await ctx.cleanup(fillArgv(drop, { db: scratchDb }), { env });
  const scratchDropped = dropped.exitCode === 0 && !dropped.timedOut;
  const data = { ...(outcome.data as object), scratchDropped };
  // Recorded whatever the drop did: the record is about the dump, the drop about this host.
  await writeTestRecord(dump.path, {
    at: new Date().toISOString(),
    ok: outcome.ok,
    sha256: dump.sha256,
    detail: outcome.ok ? `loaded into ${scratchDb}` : (outcome.error?.message ?? `exit ${outcome.exitCode}`),
  });
  if (!scratchDropped) {
    const detail = (dropped.startError ?? dropped.stderr.trim()) || `exit ${dropped.exitCode}`;
    return failed(
      ErrorCode.ActionFailed,
      `could not drop scratch database ${scratchDb}: ${detail}${outcome.ok ? '' : `; ${outcome.error?.message}`}`,
      data,
    );
  }
  return { ...outcome, data };
};

async function loadAndCompare(
  ctx: ActionContext,
  file: string,
  path: string,
  scratchDb: string,
): Promise<ActionOutcome> {
  const psql = fillArgv(ctx.config.db.scratch.psql, { db: scratchDb });
  const restore = fillArgv(ctx.config.db.scratch.pgRestore, { db: scratchDb });
  const base = { file, scratchDb };
  const load = await ctx.run([...restore, '--exit-on-error', '--single-transaction', path], {
    env: ctx.config.db.env,
  });
  if (load.exitCode !== 0 || load.timedOut) {
    const said = { ...load, stderr: restoreErrorOf(load.stderr) ?? load.stderr };
    return failedRun(said, `loading ${file} into ${scratchDb}`, { ...base, loaded: false });
  }
  const restored = await countRows(ctx, psql);
  if (isOutcome(restored)) return { ...restored, data: { ...base, loaded: true } };
  // The live database may be the thing that is broken; the backup's own check still stands.
  const live = await countRows(ctx, ctx.config.db.psql);
  const expected = ctx.config.db.expectedTables;
  const compared = compareCounts(isOutcome(live) ? undefined : live, restored, expected);
  const { expectedMissing, ...report } = compared;
  const data = {
    ...base,
    loaded: true,
    ...report,
    expected,
    ...(isOutcome(live) ? { liveError: live.error?.message } : {}),
  };
  if (expectedMissing.length > 0) {
    return failed(ErrorCode.TablesMissing, `backup ${file} lacks expected tables: ${expectedMissing.join(', ')}`, data);
  }
  if (restored.size === 0) return failed(ErrorCode.TablesMissing, `backup ${file} restored no tables`, data);
  return succeeded(data);
}
