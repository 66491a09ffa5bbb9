import { readdir, rename, rm, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionHandler } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';

/** `db_2026-11-26.sql`, the plan's nightly name; a second dump the same day gets the time too. */
export const BACKUP_FILE = /^db_\d{4}-\d{2}-\d{2}(?:_\d{6})?\.sql$/;

export interface BackupFile {
  file: string;
  path: string;
  bytes: number;
  modifiedAt: string;
  ageSeconds: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = (d: Date) => `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** pg_dump writes this last line only when the dump ran to its end. */
async function endsLikeACompleteDump(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4096);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8').includes('PostgreSQL database dump complete');
  } finally {
    await handle.close();
  }
}

export async function listBackups(dir: string, now = Date.now()): Promise<BackupFile[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const files = await Promise.all(
    names.filter((n) => BACKUP_FILE.test(n)).map(async (file) => {
      const info = await stat(join(dir, file));
      return { file, path: join(dir, file), bytes: info.size, modifiedAt: info.mtime.toISOString(), ageSeconds: Math.round((now - info.mtimeMs) / 1000) };
    }),
  );
  return files.sort((a, b) => a.ageSeconds - b.ageSeconds);
}

/**
 * The plan's nightly `pg_dump > db_$(date +%F).sql`, written to a partial file and renamed only
 * once pg_dump finished and the dump is complete, so a cut-off dump never becomes "the latest".
 */
export const backupCreate: ActionHandler<'backup.create'> = async (_params, ctx) => {
  const dir = ctx.config.backups.dir;
  const now = new Date();
  let name = `db_${localDate(now)}.sql`;
  if (await exists(join(dir, name))) name = `db_${localDate(now)}_${localTime(now)}.sql`;
  const partial = join(dir, `.${name}.partial`);
  const run = await ctx.run([...ctx.config.db.pgDump, '--file', partial], { env: ctx.config.db.env });
  if (run.exitCode !== 0 || run.timedOut || !(await exists(partial)) || !(await endsLikeACompleteDump(partial))) {
    await rm(partial, { force: true });
    return run.exitCode !== 0 || run.timedOut ? failedRun(run, 'pg_dump') : failed('action_failed', 'pg_dump wrote an incomplete dump');
  }
  const path = join(dir, name);
  await rename(partial, path);
  const info = await stat(path);
  return succeeded({ file: name, path, bytes: info.size });
};

export const backupList: ActionHandler<'backup.list'> = async (_params, ctx) => {
  const backups = await listBackups(ctx.config.backups.dir);
  return succeeded({ dir: ctx.config.backups.dir, backups, newest: backups[0] ?? null });
};
