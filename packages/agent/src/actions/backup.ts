import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { octal } from '../private-files.js';
import type { ActionContext, ActionHandler } from '../action-context.js';
import { failedRun, succeeded } from '../action-context.js';
import { fileExists, isOutcome, listBackups, localDate, localTime, timestampOfName } from '../backup-files.js';
import { dumpDatabase } from '../pg-dump.js';

/** The plan's nightly `pg_dump > db_$(date +%F).sql`; a second dump the same day gets the time too. */
export const backupCreate: ActionHandler<'backup.create'> = async (_params, ctx) => {
  const dir = ctx.config.backups.dir;
  const nameFor = async () => {
    const now = new Date();
    const daily = `db_${localDate(now)}.sql`;
    return (await fileExists(join(dir, daily))) ? `db_${localDate(now)}_${localTime(now)}.sql` : daily;
  };
  const written = await dumpDatabase(ctx, dir, nameFor);
  return isOutcome(written) ? written : succeeded(written);
};

export const backupList: ActionHandler<'backup.list'> = async (_params, ctx) => {
  const { dir } = ctx.config.backups;
  const backups = await listBackups(dir);
  // The dir's own mode, so the doctor can say when the dumps in it are readable by others.
  const dirMode = await stat(dir).then(
    (info) => octal(info.mode),
    () => null,
  );
  const offsite = await listOffsite(ctx);
  return succeeded({ dir, dirMode, backups, newest: backups[0] ?? null, ...(offsite ? { offsite } : {}) });
};

/**
 * The nightly dumps the offsite store holds, newest first (by the date in the name), if it can be
 * listed. A listing that prints sizes (`rclone lsf --format sp`, `aws s3 ls`) gives each its bytes:
 * the last whole number on the name's line before the name.
 */
async function listOffsite(
  ctx: ActionContext,
): Promise<{ files: Array<{ file: string; takenAt: string; bytes: number | null }> } | { error: string } | undefined> {
  const { offsiteList, offsiteEnv } = ctx.config.backups;
  if (offsiteList === undefined) return undefined;
  const run = await ctx.run(offsiteList, { env: offsiteEnv });
  if (run.exitCode !== 0 || run.timedOut || run.startError !== undefined)
    return { error: failedRun(run, 'offsite listing').error?.message ?? 'offsite listing failed' };
  const found = new Map<string, number | null>();
  for (const line of run.stdout.split('\n')) {
    const words = line.split(/[\s;]+/);
    words.forEach((word, i) => {
      const name = /(db_\d{4}-\d{2}-\d{2}(?:_\d{6})?\.sql)$/.exec(word)?.[1];
      if (name === undefined) return;
      const size = words
        .slice(0, i)
        .reverse()
        .find((w) => /^\d+$/.test(w));
      found.set(name, size === undefined ? (found.get(name) ?? null) : Number(size));
    });
  }
  const files = [...found]
    .map(([file, bytes]) => ({ file, bytes, at: timestampOfName(file) }))
    .filter((f): f is { file: string; bytes: number | null; at: number } => f.at !== undefined)
    .sort((a, b) => b.at - a.at)
    .map((f) => ({ file: f.file, takenAt: new Date(f.at).toISOString(), bytes: f.bytes }));
  return { files };
}
