import { lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupFileName, NIGHTLY_DUMP } from '@recio/protocol/actions';
import { failed, type ActionOutcome } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';

/** A nightly dump in the backups dir. */
export interface BackupFile {
  file: string;
  path: string;
  bytes: number;
  modifiedAt: string;
  ageSeconds: number;
  /** When the dump was taken: the date (and time) in its name, or its mtime if the name's date is not a real one. */
  takenAt: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-26` in the host's local time, as the plan's `date +%F` writes it. */
export const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const localTime = (d: Date) => `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
export const localStamp = (d: Date) => `${localDate(d)}_${localTime(d)}`;

const NAME_STAMP = /_(\d{4})-(\d{2})-(\d{2})(?:_(\d{2})(\d{2})(\d{2}))?\./;

/** The local time in a dump's name, or undefined when there is none or it is not a real date (2026-02-30). */
export function timestampOfName(name: string): number | undefined {
  const m = NAME_STAMP.exec(name);
  if (m === null) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  const date = new Date(y!, mo! - 1, d!, h, mi, s);
  const real =
    date.getFullYear() === y &&
    date.getMonth() === mo! - 1 &&
    date.getDate() === d &&
    date.getHours() === h &&
    date.getMinutes() === mi &&
    date.getSeconds() === s;
  return real ? date.getTime() : undefined;
}

export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** pg_dump writes this last line only when the dump ran to its end. */
export async function isCompleteDump(path: string): Promise<boolean> {
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

/** The nightly dumps, newest first (by the time in the name, then mtime). Safety dumps are not listed. */
export async function listBackups(dir: string, now = Date.now()): Promise<BackupFile[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const files = await Promise.all(
    names
      .filter((n) => NIGHTLY_DUMP.test(n))
      .map(async (file) => {
        const info = await stat(join(dir, file));
        const takenAt = timestampOfName(file) ?? info.mtimeMs;
        return {
          file,
          path: join(dir, file),
          bytes: info.size,
          modifiedAt: info.mtime.toISOString(),
          ageSeconds: Math.round((now - info.mtimeMs) / 1000),
          takenAt: new Date(takenAt).toISOString(),
          sortKey: [takenAt, info.mtimeMs] as const,
        };
      }),
  );
  files.sort((a, b) => b.sortKey[0] - a.sortKey[0] || b.sortKey[1] - a.sortKey[1]);
  return files.map(({ sortKey: _sortKey, ...file }) => file);
}

/**
 * The dump a restore, verify or offsite copy works from: the named one or the newest nightly. It
 * must be a regular file directly in the backups dir (the name pattern already rules out `/` and
 * `..`; a symlink is refused too) and a complete dump. Anything else is refused before any command.
 */
export async function resolveDump(
  dir: string,
  file: string | undefined,
): Promise<{ file: string; path: string; bytes: number } | ActionOutcome> {
  if (file === undefined) {
    const newest = (await listBackups(dir))[0];
    if (newest === undefined) return failed(ErrorCode.BackupMissing, `no backups in ${dir}`, undefined, 2);
    file = newest.file;
  } else if (!BackupFileName.safeParse(file).success) {
    return failed(ErrorCode.InvalidParams, `not a backup file name: ${JSON.stringify(file)}`, undefined, 2);
  }
  const path = join(dir, file);
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return failed(ErrorCode.BackupMissing, `backup ${file} not found in ${dir}`, undefined, 2);
  if (!info.isFile()) return failed(ErrorCode.BackupMissing, `backup ${file} is not a regular file`, undefined, 2);
  if (info.size === 0 || !(await isCompleteDump(path))) {
    return failed(
      ErrorCode.BackupIncomplete,
      `backup ${file} is incomplete (no "dump complete" line): refusing to use it`,
      { file },
      2,
    );
  }
  return { file, path, bytes: info.size };
}

export const isOutcome = (value: object): value is ActionOutcome => 'ok' in value && 'exitCode' in value;
