import type { ActionHandler } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { isOutcome, resolveDump, timestampOfName } from '../backup-files.js';
import { listTables } from '../pg-tables.js';
import { tablesOf } from '../pg-toc.js';
import { archiveCreatedAt, countNewerRows } from '../pg-rewind.js';

/**
 * db.rewind — what restoring one dump would cost, for the person who approves it.
 *
 * params: { file, sha256?: the hash a request is bound to }
 * data:   { file, bytes, sha256, hashRecorded, fetched, takenAt, takenAtFrom: archive | name,
 *           tables (in the dump), missingNow (in the dump, not in the database), rewind: per table
 *           present now, { table, column, newer }, notInDump (tables a full restore leaves alone) }
 *
 * The dump is resolved as a restore resolves it (checked, fetched back from offsite if gone), so the
 * hash shown is the file's own. Rows are counted from each table's own timestamp column; the SQL
 * names only tables the dump holds (see pg-rewind.ts).
 */
export const dbRewind: ActionHandler<'db.rewind'> = async ({ file, sha256 }, ctx) => {
  const dump = await resolveDump(ctx, file, sha256);
  if (isOutcome(dump)) return dump;
  if (sha256 !== undefined && sha256 !== dump.sha256) {
    return failed(
      ErrorCode.BackupIncomplete,
      `${dump.file} is not the file the request was for: its SHA-256 is ${dump.sha256.slice(0, 12)}…, not ` +
        `${sha256.slice(0, 12)}…`,
      { file: dump.file, sha256: dump.sha256, expected: sha256 },
      2,
    );
  }
  const listing = await ctx.run([...ctx.config.db.pgRestore, '--list', dump.path], { env: ctx.config.db.env });
  if (listing.exitCode !== 0 || listing.timedOut) return failedRun(listing, 'pg_restore --list');
  const created = archiveCreatedAt(listing.stdout);
  const takenAt = created ?? new Date(timestampOfName(dump.file) ?? Date.now());
  const tables = tablesOf(dump.toc);
  const present = await listTables(ctx);
  if (!Array.isArray(present)) return present;
  const rewind = await countNewerRows(
    ctx,
    tables.filter((t) => present.includes(t)),
    takenAt,
  );
  if (!Array.isArray(rewind)) return rewind;
  return succeeded({
    file: dump.file,
    bytes: dump.bytes,
    sha256: dump.sha256,
    hashRecorded: dump.hashRecorded,
    fetched: dump.fetched,
    takenAt: takenAt.toISOString(),
    takenAtFrom: created === undefined ? 'name' : 'archive',
    tables,
    missingNow: tables.filter((t) => !present.includes(t)),
    rewind,
    notInDump: present.filter((t) => !tables.includes(t)),
  });
};
