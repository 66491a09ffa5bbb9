import { z } from 'zod';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import type { PitrWindow } from '@recio/protocol/pitr-window';

export { outsideWindow, windowText, type PitrWindow } from '@recio/protocol/pitr-window';

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

/** db.pitr.window's answer, from `pgbackrest info` and the server's archiver statistics. */
export async function readPitrWindow(ctx: ActionContext): Promise<PitrWindow | ActionOutcome> {
  const run = await ctx.run([...ctx.config.db.pitr.pgbackrest, 'info', '--output=json'], { env: ctx.config.db.env });
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pgbackrest info');
  let stanza: z.infer<typeof Info>[number] | undefined;
  try {
    stanza = Info.parse(JSON.parse(run.stdout))[0];
  } catch (error) {
    return failed(ErrorCode.ActionFailed, `pgbackrest info printed something unexpected: ${(error as Error).message}`);
  }
  if (stanza === undefined)
    return failed(ErrorCode.NotConfigured, 'pgbackrest info lists no stanza: run stanza-create');
  const backups = stanza.backup
    .filter((b) => b.error !== true)
    .map((b) => ({ label: b.label, type: b.type, start: iso(b.timestamp.start), stop: iso(b.timestamp.stop) }))
    .sort((a, b) => a.stop.localeCompare(b.stop));
  const archive = stanza.archive.at(-1);
  const wal = archive?.min && archive.max ? { min: archive.min, max: archive.max } : null;
  const oldest = backups[0];
  const newest = backups.at(-1);
  if (oldest === undefined || newest === undefined) return { from: null, to: null, toSource: 'none', backups, wal };
  const archiver = await pgQuery(
    ctx,
    "SELECT coalesce(extract(epoch FROM last_archived_time), 0) || '|' || " +
      "coalesce(extract(epoch FROM last_failed_time), 0) || '|' || extract(epoch FROM now()) FROM pg_stat_archiver",
  );
  const [archivedAt = Number.NaN, failedAt = Number.NaN, now = Number.NaN] =
    archiver.exitCode === 0 ? archiver.stdout.trim().split('|').map(Number) : [];
  const at = (epoch: number) => new Date(epoch * 1000).toISOString();
  if (Number.isFinite(now) && failedAt <= archivedAt)
    return { from: oldest.stop, to: at(now), toSource: 'live', backups, wal };
  if (Number.isFinite(archivedAt) && archivedAt * 1000 > Date.parse(newest.stop))
    return { from: oldest.stop, to: at(archivedAt), toSource: 'archiver', backups, wal };
  return { from: oldest.stop, to: newest.stop, toSource: 'backup', backups, wal };
}
