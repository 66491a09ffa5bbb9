import { link, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { fileExists, isCompleteDump } from './backup-files.js';

export interface WrittenDump {
  file: string;
  path: string;
  bytes: number;
}

/**
 * The plan's `pg_dump > name`, written to a hidden partial file and moved into place only once
 * pg_dump finished and the dump is complete, so a cut-off dump never becomes "the latest". The
 * move is a hard link (fails if the name exists) then an unlink: a dump is never overwritten.
 * `nameFor` picks the name when the dump is complete; should another dump take it first (two in
 * the same second: the nightly one and a person's "backup now"), it is asked again a second later.
 */
export async function dumpDatabase(
  ctx: ActionContext,
  dir: string,
  nameFor: () => Promise<string>,
): Promise<WrittenDump | ActionOutcome> {
  const partial = join(dir, `.dump-${process.pid}-${Date.now()}.partial`);
  try {
    const run = await ctx.run([...ctx.config.db.pgDump, '--file', partial], { env: ctx.config.db.env });
    if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pg_dump');
    if (!(await fileExists(partial)) || !(await isCompleteDump(partial)))
      return failed(ErrorCode.BackupIncomplete, 'pg_dump wrote an incomplete dump');
    for (let attempt = 1; ; attempt++) {
      const name = await nameFor();
      const path = join(dir, name);
      try {
        await link(partial, path);
        return { file: name, path, bytes: (await stat(path)).size };
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
