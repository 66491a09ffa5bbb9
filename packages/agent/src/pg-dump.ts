import { randomBytes } from 'node:crypto';
import { link, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { fileExists, isOutcome } from './backup-files.js';
import { sha256File, writeSidecar } from './dump-hash.js';
import { isCustomFormat, readToc } from './pg-toc.js';
import { createPrivateFile, ensurePrivateDir } from './private-files.js';

export interface WrittenDump {
  file: string;
  path: string;
  bytes: number;
  sha256: string;
  /** Set when the backups dir is wider than 0700 and could not be narrowed. */
  warning?: string;
}

/**
 * The plan's `pg_dump > name`, in pg_dump's custom format (`-Fc`): pg_restore can then restore one
 * table out of it, and it carries no psql meta-commands (a plain dump loaded with psql would run a
 * `\!` written into it). The name stays the plan's (`db_<date>.sql`); docs/backups.md says how to
 * read one by hand. It is written to a hidden 0600 partial file in a 0700 dir and moved into place
 * only once pg_dump finished and pg_restore can read its table of contents, so a cut-off dump never
 * becomes "the latest"; its SHA-256 goes beside it (`<name>.sha256`). The move is a hard link (fails
 * if the name exists) then an unlink: a dump is never overwritten. `nameFor` picks the name when the
 * dump is complete; should another dump take it first (two in the same second: the nightly one and
 * a person's "backup now"), it is asked again a second later.
 */
export async function dumpDatabase(
  ctx: ActionContext,
  dir: string,
  nameFor: () => Promise<string>,
  /** More pg_dump options (`--table t`: a safety dump of only the tables a restore replaces). */
  extra: readonly string[] = [],
): Promise<WrittenDump | ActionOutcome> {
  // Random, so two dumps in the same millisecond (one session runs requests side by side) never share it.
  const partial = join(dir, `.dump-${process.pid}-${randomBytes(6).toString('hex')}.partial`);
  try {
    const warning = await ensurePrivateDir(dir);
    await createPrivateFile(partial);
    // The format goes last so that a -Fp in the admin's argv cannot turn it back into plain SQL.
    const run = await ctx.run([...ctx.config.db.pgDump, ...extra, '--file', partial, '--format=custom'], {
      env: ctx.config.db.env,
    });
    if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pg_dump');
    if (!(await fileExists(partial)) || !(await isCustomFormat(partial)))
      return failed(ErrorCode.BackupIncomplete, 'pg_dump wrote no custom-format archive');
    const toc = await readToc(ctx, partial);
    if (isOutcome(toc))
      return failed(ErrorCode.BackupIncomplete, `pg_dump wrote an unreadable archive: ${toc.error?.message}`);
    const sha256 = await sha256File(partial);
    for (let attempt = 1; ; attempt++) {
      const name = await nameFor();
      const path = join(dir, name);
      try {
        await link(partial, path);
        await writeSidecar(path, sha256);
        return { file: name, path, bytes: (await stat(path)).size, sha256, ...(warning ? { warning } : {}) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3)
          return failed(ErrorCode.ActionFailed, `could not write ${path}: ${(error as Error).message}`);
        await sleep(1000 - (Date.now() % 1000) + 5);
      }
    }
  } catch (error) {
    return failed(ErrorCode.ActionFailed, `could not write the dump in ${dir}: ${(error as Error).message}`);
  } finally {
    await rm(partial, { force: true });
  }
}
