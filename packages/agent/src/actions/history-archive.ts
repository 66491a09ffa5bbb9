import { link, rm, stat, unlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ErrorCode } from '@recio/protocol/errors';
import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { listHistoryArchives, type ArchiveFile } from '../archive-files.js';
import { fileExists, isOutcome, localStamp } from '../backup-files.js';
import { removeSidecar } from '../dump-hash.js';
import { dumpDatabase } from '../pg-dump.js';
import { createPrivateFile, ensurePrivateDir } from '../private-files.js';

const DAY_MS = 86_400_000;

/**
 * history.archive — the plan's §2.3: "archive service logs weekly; compress & store BTC price
 * history, market snapshots". Into history.dir (0700, each file 0600):
 *
 * - `logs_<stamp>.tar.gz`: the configured log files and directories (supervisord's logs);
 * - `<table>_<stamp>.dump` (+ `.sha256`): each table exported with pg_dump, custom format, which is
 *   compressed and restores with `pg_restore -t` (default tables: those of db.feeds, the price and
 *   snapshot feeds).
 *
 * Then retention: archives taken more than history.keepDays ago are deleted, except the newest of
 * each kind. params: {}. data: { dir, written: [{ file, bytes }], deleted: [file], skipped: [why] }.
 */
export const historyArchive: ActionHandler<'history.archive'> = async (_params, ctx) => {
  const section = ctx.config.history;
  const tables = section.tables ?? [...new Set(Object.values(ctx.config.db.feeds).map((f) => f.table))];
  const logs: string[] = [];
  const skipped: string[] = [];
  for (const path of section.logs) {
    if (await fileExists(path)) logs.push(resolve(path));
    else skipped.push(`${path}: not there`);
  }
  if (logs.length === 0 && tables.length === 0)
    return failed(
      ErrorCode.NotConfigured,
      `nothing to archive: set history.logs (none of ${section.logs.join(', ') || 'them'} exists) or history.tables`,
      { skipped },
      2,
    );
  const warning = await ensurePrivateDir(section.dir);
  const stamp = localStamp(new Date());
  const written: Array<{ file: string; bytes: number }> = [];
  if (logs.length > 0) {
    const logsFile = await archiveLogs(ctx, section.dir, `logs_${stamp}.tar.gz`, logs);
    if (isOutcome(logsFile)) return logsFile;
    written.push(logsFile);
  }
  for (const table of tables) {
    const name = `${table}_${stamp}.dump`;
    const dump = await dumpDatabase(ctx, section.dir, async () => name, ['--table', table]);
    if (isOutcome(dump)) return { ...dump, data: { written, table } };
    written.push({ file: dump.file, bytes: dump.bytes });
  }
  const deleted = await prune(section.dir, section.keepDays);
  return succeeded({ dir: section.dir, written, deleted, skipped, ...(warning ? { warning } : {}) });
};

/** tar + gzip of the log paths into a 0600 partial file, kept under its name once tar is done. */
async function archiveLogs(
  ctx: ActionContext,
  dir: string,
  name: string,
  paths: string[],
): Promise<{ file: string; bytes: number } | ActionOutcome> {
  const path = join(dir, name);
  const partial = join(dir, `.${name}.partial`);
  try {
    await createPrivateFile(partial);
    const members = paths.map((p) => relative('/', p));
    const run = await ctx.run([...ctx.config.history.tar, '-C', '/', '-czf', partial, '--', ...members]);
    // GNU tar exits 1 when a file changed while it read it: a log being written to. That copy is
    // still a good archive of what the log held; anything else is a failure.
    if (run.exitCode !== 0 && !(run.exitCode === 1 && /file changed as we read it/.test(run.stderr)))
      return failedRun(run, 'tar of the logs');
    await link(partial, path);
    return { file: name, bytes: (await stat(path)).size };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Deletes archives older than keepDays, never the newest of a kind (if archiving stopped, it is all there is). */
async function prune(dir: string, keepDays: number, now = Date.now()): Promise<string[]> {
  const seen = new Set<string>();
  const old: ArchiveFile[] = [];
  for (const archive of await listHistoryArchives(dir)) {
    const newestOfKind = !seen.has(archive.kind);
    seen.add(archive.kind);
    if (!newestOfKind && now - Date.parse(archive.takenAt) > keepDays * DAY_MS) old.push(archive);
  }
  for (const archive of old) {
    await unlink(join(dir, archive.file));
    await removeSidecar(join(dir, archive.file));
  }
  return old.map((a) => a.file);
}
