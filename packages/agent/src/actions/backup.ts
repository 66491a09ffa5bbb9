import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { octal } from '../private-files.js';
import type { ActionHandler } from '../action-context.js';
import { succeeded } from '../action-context.js';
import { fileExists, isOutcome, listBackups, localDate, localTime } from '../backup-files.js';
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
  return succeeded({ dir, dirMode, backups, newest: backups[0] ?? null });
};
