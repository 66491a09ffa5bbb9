import { unlink } from 'node:fs/promises';
import type { ActionHandler } from '../action-context.js';
import { failed, succeeded } from '../action-context.js';
import { listBackups, type BackupFile } from '../backup-files.js';
import { ErrorCode } from '@recio/protocol/errors';
import { removeSidecar } from '../dump-hash.js';
import { removeTestRecord } from '../restore-test-record.js';

const DAY_MS = 86_400_000;

/**
 * Which nightly dumps fall out of retention: taken more than keepDays × 24 h ago (by the date in
 * the name, the mtime when that is not a real date), except the newest one, which is kept whatever
 * its age — if the nightly job stopped a week ago, the last dump is the only one there is.
 * `files` is newest first, as listBackups returns them.
 */
export function choosePrunable(
  files: readonly BackupFile[],
  now: number,
  keepDays: number,
): { prune: BackupFile[]; keep: BackupFile[] } {
  const prune: BackupFile[] = [];
  const keep: BackupFile[] = [];
  files.forEach((file, index) => {
    const old = now - Date.parse(file.takenAt) > keepDays * DAY_MS;
    (index > 0 && old ? prune : keep).push(file);
  });
  return { prune, keep };
}

/**
 * backup.prune — the plan's "retain last 7 days locally" (§2.1).
 *
 * params: { keepDays?: 1..3650 (default backups.keepDays, 7) }
 * data:   { dir, keepDays, deleted: [{ file, takenAt }], kept: [file], failed?: [{ file, error }] }
 *
 * Only names matching the nightly pattern are candidates: safety dumps (pre-restore_…), partial
 * files and anything else in the dir are never touched. The offsite copy keeps its own 30 days
 * by the remote's lifecycle rule, not by this action.
 */
export const backupPrune: ActionHandler<'backup.prune'> = async ({ keepDays }, ctx) => {
  const { dir } = ctx.config.backups;
  const days = keepDays ?? ctx.config.backups.keepDays;
  const { prune, keep } = choosePrunable(await listBackups(dir), Date.now(), days);
  const deleted: Array<{ file: string; takenAt: string }> = [];
  const errors: Array<{ file: string; error: string }> = [];
  for (const file of prune) {
    try {
      await unlink(file.path);
      await removeSidecar(file.path);
      await removeTestRecord(file.path);
      deleted.push({ file: file.file, takenAt: file.takenAt });
    } catch (error) {
      errors.push({ file: file.file, error: (error as Error).message });
    }
  }
  // Postcondition: what we said we deleted is gone, and the kept ones are still listed.
  const after = new Set((await listBackups(dir)).map((f) => f.file));
  const lingering = deleted.filter((d) => after.has(d.file)).map((d) => d.file);
  const data = {
    dir,
    keepDays: days,
    deleted,
    kept: keep.map((f) => f.file),
    ...(errors.length > 0 ? { failed: errors } : {}),
  };
  if (errors.length > 0 || lingering.length > 0) {
    const names = [...errors.map((e) => `${e.file} (${e.error})`), ...lingering];
    return failed(ErrorCode.ActionFailed, `could not delete: ${names.join(', ')}`, data);
  }
  return succeeded(data);
};
