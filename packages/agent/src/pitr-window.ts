import { z } from 'zod';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';

/**
 * The recoverable window of point-in-time recovery on this host: from the end of the oldest base
 * backup (nothing earlier can be rebuilt) to the newest WAL the archive holds (nothing later is
 * there to replay). The bot validates a proposed target against it; db.pitr.restore checks it again.
 */
export interface PitrWindow {
  /** ISO UTC; null when the repository holds no base backup yet (nothing can be restored). */
  from: string | null;
  /** ISO UTC; null as `from`. */
  to: string | null;
  /**
   * `archiver`: the server's pg_stat_archiver.last_archived_time (the database answered). `backup`:
   * the newest base backup's end, when the server is down or has archived nothing since it started.
   */
  toSource: 'archiver' | 'backup' | 'none';
  backups: Array<{ label: string; type: string; start: string; stop: string }>;
  /** The oldest and newest WAL segment names in the archive. */
  wal: { min: string; max: string } | null;
}

// pgBackRest's `info --output=json`: only what is read here; everything else may change freely.
const Info = z.array(
  z.looseObject({
    name: z.string(),
    status: z.looseObject({ code: z.number(), message: z.string() }),
    backup: z
      .array(
        z.looseObject({
          label: z.string(),
          type: z.string(),
          error: z.boolean().optional(),
          timestamp: z.looseObject({ start: z.number(), stop: z.number() }),
        }),
      )
      .default([]),
    archive: z.array(z.looseObject({ min: z.string().nullable(), max: z.string().nullable() })).default([]),
  }),
);

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** psql -Atc on the live database, outside the probe session (which a restore's restart would kill). */
export async function pgQuery(ctx: ActionContext, sql: string) {
  return ctx.run([...ctx.config.db.psql, '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: ctx.config.db.env });
}

export async function readPitrWindow(ctx: ActionContext): Promise<PitrWindow | ActionOutcome> {
  const run = await ctx.run([...ctx.config.db.pitr.pgbackrest, 'info', '--output=json'], { env: ctx.config.db.env });
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pgbackrest info');
  let stanza: z.infer<typeof Info>[number] | undefined;
  try {
    stanza = Info.parse(JSON.parse(run.stdout))[0];
  } catch (error) {
    return failed(ErrorCode.ActionFailed, `pgbackrest info printed something unexpected: ${(error as Error).message}`);
  }
  if (stanza === undefined) return failed(ErrorCode.NotConfigured, 'pgbackrest info lists no stanza: run stanza-create');
  const backups = stanza.backup
    .filter((b) => b.error !== true)
    .map((b) => ({ label: b.label, type: b.type, start: iso(b.timestamp.start), stop: iso(b.timestamp.stop) }))
    .sort((a, b) => a.stop.localeCompare(b.stop));
  const archive = stanza.archive.at(-1);
  const wal = archive?.min && archive.max ? { min: archive.min, max: archive.max } : null;
  const oldest = backups[0];
  const newest = backups.at(-1);
  if (oldest === undefined || newest === undefined) return { from: null, to: null, toSource: 'none', backups, wal };
  const archived = await pgQuery(ctx, 'SELECT extract(epoch FROM last_archived_time) FROM pg_stat_archiver');
  const archivedAt = archived.exitCode === 0 ? Number.parseFloat(archived.stdout.trim()) : Number.NaN;
  if (Number.isFinite(archivedAt) && archivedAt * 1000 > Date.parse(newest.stop))
    return { from: oldest.stop, to: new Date(archivedAt * 1000).toISOString(), toSource: 'archiver', backups, wal };
  return { from: oldest.stop, to: newest.stop, toSource: 'backup', backups, wal };
}

/** Why `target` cannot be recovered to, or undefined when it lies inside the window. */
export function windowText(window: PitrWindow): string {
  return window.from === null
    ? 'no base backup yet: nothing is recoverable'
    : `recoverable window: ${window.from} .. ${window.to} (UTC)`;
}

export function outsideWindow(target: Date, window: PitrWindow, now: Date): string | undefined {
  const shown = windowText(window);
  if (target.getTime() > now.getTime()) return `${target.toISOString()} is in the future; ${shown}`;
  if (window.from === null || window.to === null) return 'the pgBackRest repository holds no base backup yet';
  if (target.getTime() < Date.parse(window.from))
    return `${target.toISOString()} is before the oldest base backup ended; ${shown}`;
  if (target.getTime() > Date.parse(window.to))
    return `${target.toISOString()} is after the newest archived WAL; ${shown}`;
  return undefined;
}
