import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupFileName, NIGHTLY_DUMP } from '@recio/protocol/actions';
import { failed, type ActionContext, type ActionOutcome } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { readSidecar, sha256File } from './dump-hash.js';
import { fetchFromOffsite } from './offsite-fetch.js';
import { isCustomFormat, readToc, type TocEntry } from './pg-toc.js';
import { octal } from './private-files.js';
import { readTestRecord } from './restore-test-record.js';

/** A nightly dump in the backups dir. */
export interface BackupFile {
  file: string;
  path: string;
  bytes: number;
  modifiedAt: string;
  ageSeconds: number;
  /** When the dump was taken: the date (and time) in its name, or its mtime if the name's date is not a real one. */
  takenAt: string;
  /** Its permission bits (`0600`); the doctor flags anything wider. */
  mode: string;
  /** The SHA-256 recorded when it was taken, null when it has none. */
  sha256: string | null;
  /** Its last restore test (backup.verify), if one tested these bytes. */
  tested: { at: string; ok: boolean } | null;
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
        const sha256 = (await readSidecar(join(dir, file))) ?? null;
        const record = await readTestRecord(join(dir, file));
        const tested = record !== undefined && record.sha256 === sha256 ? { at: record.at, ok: record.ok } : null;
        return {
          file,
          path: join(dir, file),
          bytes: info.size,
          modifiedAt: info.mtime.toISOString(),
          ageSeconds: Math.round((now - info.mtimeMs) / 1000),
          takenAt: new Date(takenAt).toISOString(),
          mode: octal(info.mode),
          sha256,
          tested,
          sortKey: [takenAt, info.mtimeMs] as const,
        };
      }),
  );
  files.sort((a, b) => b.sortKey[0] - a.sortKey[0] || b.sortKey[1] - a.sortKey[1]);
  return files.map(({ sortKey: _sortKey, ...file }) => file);
}

/** A dump checked and ready to use: its table of contents read, its hash computed. */
export interface ResolvedDump {
  file: string;
  path: string;
  bytes: number;
  sha256: string;
  /** Whether the hash was recorded when it was taken (false: copied in by hand, nothing to check against). */
  hashRecorded: boolean;
  toc: TocEntry[];
  /** Fetched back from offsite for this request. */
  fetched: boolean;
}

/**
 * The dump a restore, verify or offsite copy works from: the named one or the newest nightly. It
 * must be a regular file directly in the backups dir (the name pattern already rules out `/` and
 * `..`; a symlink is refused too), in pg_dump's custom format (a plain SQL file is refused: loading
 * one with psql would run any `\!` shell command written into it), with a table of contents
 * pg_restore can read, and the SHA-256 recorded when it was taken, if any. Anything else is refused
 * before any command touches a database.
 */
export async function resolveDump(
  ctx: ActionContext,
  file: string | undefined,
  /** The hash an approval was given for: an offsite copy fetched back must have it. */
  expected?: string,
): Promise<ResolvedDump | ActionOutcome> {
  const { dir } = ctx.config.backups;
  if (file === undefined) {
    const newest = (await listBackups(dir))[0];
    if (newest === undefined) return failed(ErrorCode.BackupMissing, `no backups in ${dir}`, undefined, 2);
    file = newest.file;
  } else if (!BackupFileName.safeParse(file).success) {
    return failed(ErrorCode.InvalidParams, `not a backup file name: ${JSON.stringify(file)}`, undefined, 2);
  }
  const path = join(dir, file);
  let info = await lstat(path).catch(() => undefined);
  let fetched = false;
  if (info === undefined) {
    // Gone from the local disk (pruned, lost): the offsite copy, if there is a way back to it.
    const back = await fetchFromOffsite(ctx, file, expected);
    if (back !== undefined && isOutcome(back)) return back;
    fetched = back !== undefined;
    info = await lstat(path).catch(() => undefined);
  }
  if (info === undefined) return failed(ErrorCode.BackupMissing, `backup ${file} not found in ${dir}`, undefined, 2);
  if (!info.isFile()) return failed(ErrorCode.BackupMissing, `backup ${file} is not a regular file`, undefined, 2);
  const incomplete = (why: string) =>
    failed(ErrorCode.BackupIncomplete, `backup ${file} ${why}: refusing to use it`, { file }, 2);
  if (info.size === 0) return incomplete('is empty');
  if (!(await isCustomFormat(path)))
    return incomplete('is not a pg_dump custom-format archive (plain SQL is never loaded: see docs/backups.md)');
  const toc = await readToc(ctx, path);
  if (isOutcome(toc)) return incomplete(`has no readable table of contents (${toc.error?.message ?? 'pg_restore'})`);
  const recorded = await readSidecar(path);
  const sha256 = await sha256File(path);
  if (recorded !== undefined && recorded !== sha256)
    return incomplete(
      `does not match the SHA-256 recorded when it was taken (${recorded.slice(0, 12)}…, now ${sha256.slice(0, 12)}…)`,
    );
  return { file, path, bytes: info.size, sha256, hashRecorded: recorded !== undefined, toc, fetched };
}

export const isOutcome = (value: object): value is ActionOutcome => 'ok' in value && 'exitCode' in value;
