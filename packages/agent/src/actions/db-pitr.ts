import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, pollUntil, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { isOutcome } from '../backup-files.js';
import { outsideWindow, pgQuery, readPitrWindow, windowText, type PitrWindow } from '../pitr-window.js';
import { checkTables } from './db.js';

const notSetUp = () =>
  failed(
    ErrorCode.NotConfigured,
    'point-in-time recovery is not set up on this host (db.pitr.enabled is false): run `recio agent install --pitr`',
    undefined,
    2,
  );

/** db.pitr.window — what a target time may be; read before proposing one. */
export const dbPitrWindow: ActionHandler<'db.pitr.window'> = async (_params, ctx) => {
  if (!ctx.config.db.pitr.enabled) return notSetUp();
  const window = await readPitrWindow(ctx);
  return isOutcome(window) ? window : succeeded(window);
};

/**
 * db.pitr.restore — rewinds the whole cluster to `target` (UTC) with pgBackRest: the newest base
 * backup before it, then archived WAL replayed up to it, then promoted.
 *
 * Order: (1) the target is checked against now and, after (2), against the window; nothing is
 * stopped before it passes. (2) While the server answers, a transaction id is taken (a commit record
 * stamped now) and `pgbackrest check` switches and archives the current WAL segment: the writes up
 * to now, the DROP among them, are in the archive and recovery has a commit after the target to
 * stop at. (3) Stop the server, `pgbackrest restore --delta --type=time --target=… --target-action=
 * promote`, start it, wait until recovery ended (pg_is_in_recovery() false). (4) Postcondition: the
 * expected tables are there. The WAL written after the target stays in the archive on the old
 * timeline, so a restore to a later time on timeline 1 undoes this one (docs/backups.md).
 */
export const dbPitrRestore: ActionHandler<'db.pitr.restore'> = async ({ target, waitSeconds }, ctx) => {
  const { pitr } = ctx.config.db;
  if (!pitr.enabled) return notSetUp();
  const at = new Date(target);
  if (at.getTime() > Date.now()) {
    // Refused before anything is switched or archived; the window is read only to show what is possible.
    const window = await readPitrWindow(ctx);
    const known = isOutcome(window) ? undefined : window;
    return refuse(target, `${target} is in the future`, known);
  }

  const up = await pgQuery(ctx, 'SELECT txid_current()');
  let archivedNow: string | undefined;
  if (up.exitCode === 0) {
    const check = await ctx.run([...pitr.pgbackrest, 'check'], { env: ctx.config.db.env });
    if (check.exitCode !== 0 || check.timedOut) archivedNow = failedRun(check, 'pgbackrest check').error?.message;
  }
  const window = await readPitrWindow(ctx);
  if (isOutcome(window)) return window;
  const why = outsideWindow(at, window, new Date());
  if (why !== undefined) return refuse(target, why, window);

  const base = { target, window, archiveCheckError: archivedNow ?? null, serverWasUp: up.exitCode === 0 };
  const stop = await ctx.run(pitr.stop);
  if (stop.exitCode !== 0 || stop.timedOut)
    return failedRun(stop, `stopping PostgreSQL before the restore (nothing restored): ${pitr.stop.join(' ')}`, base);
  const restore = await ctx.run(
    [
      ...pitr.pgbackrest,
      '--delta',
      '--type=time',
      `--target=${pgbackrestTime(target)}`,
      '--target-action=promote',
      'restore',
    ],
    { env: ctx.config.db.env },
  );
  if (restore.exitCode !== 0 || restore.timedOut) {
    // pgBackRest checks before it writes (stopped cluster, backup set), but a failure half-way leaves the data
    // directory neither old nor new: the server is started to show what state it is in, and the message says so.
    const started = await ctx.run(pitr.start);
    const after = started.exitCode === 0 ? 'the server was started again' : 'the server did not start again';
    return failedRun(restore, `pgbackrest restore to ${target} failed; ${after}`, {
      ...base,
      startedAfterFailure: started.exitCode === 0,
    });
  }
  const start = await ctx.run(pitr.start);
  if (start.exitCode !== 0 || start.timedOut)
    return failedRun(start, `restored to ${target} but PostgreSQL did not start: ${pitr.start.join(' ')}`, base);
  return finishRecovery(ctx, target, base, waitSeconds);
};

/** Waits until recovery reached the target and the server was promoted, then checks the tables. */
async function finishRecovery(
  ctx: ActionContext,
  target: string,
  base: Record<string, unknown>,
  waitSeconds: number,
): Promise<ActionOutcome> {
  // A recovery that cannot reach its target ends the server (FATAL): seen as the service down for 10 s
  // in a row, it is said at once instead of after the whole wait.
  let downPolls = 0;
  const promoted = await pollUntil(
    ctx,
    Date.now() + waitSeconds * 1000,
    async () => {
      const run = await pgQuery(ctx, 'SELECT pg_is_in_recovery()');
      if (run.exitCode === 0) return run.stdout.trim() === 'f' ? ('promoted' as const) : undefined;
      downPolls = (await ctx.run(ctx.config.db.status)).exitCode === 0 ? 0 : downPolls + 1;
      return downPolls >= 20 ? ('down' as const) : undefined;
    },
    500,
  );
  if (promoted === 'down')
    return failed(
      ErrorCode.DbDown,
      `PostgreSQL stopped during recovery to ${target} (its log says why, e.g. the target was not reached)`,
      base,
    );
  if (promoted === undefined)
    return {
      ...failed(ErrorCode.ActionFailed, `PostgreSQL still recovering ${waitSeconds}s after the restore`, base),
      timedOut: true,
    };
  const replayed = await pgQuery(ctx, 'SELECT pg_last_xact_replay_timestamp()');
  const lastReplayed = replayed.exitCode === 0 && replayed.stdout.trim() !== '' ? replayed.stdout.trim() : null;
  const tables = await checkTables(ctx, ctx.config.db.expectedTables);
  if ('ok' in tables) return { ...tables, data: base };
  const data = { ...base, restoredTo: target, lastReplayedCommit: lastReplayed, tables };
  return tables.missing.length === 0
    ? succeeded(data)
    : failed(
        ErrorCode.TablesMissing,
        `restored to ${target} but tables are missing: ${tables.missing.join(', ')}`,
        data,
      );
}

/** pgBackRest reads only `YYYY-MM-DD HH:MM:SS[.mmm]+00` (it picks the backup set from it); still one argv element. */
export function pgbackrestTime(target: string): string {
  return `${target.slice(0, -1).replace('T', ' ')}+00`;
}

function refuse(target: string, why: string, window: PitrWindow | undefined): ActionOutcome {
  const shown = window === undefined || why.includes('recoverable window') ? '' : `; ${windowText(window)}`;
  return failed(
    ErrorCode.OutsideWindow,
    `cannot recover to ${target}: ${why}${shown}. Nothing was restored`,
    {
      target,
      window: window ?? null,
    },
    2,
  );
}
