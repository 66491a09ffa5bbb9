import { link, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { AgentErrorCode } from './agent-errors.js';
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
 */
export async function dumpDatabase(ctx: ActionContext, dir: string, name: string): Promise<WrittenDump | ActionOutcome> {
  const partial = join(dir, `.${name}.partial`);
  const path = join(dir, name);
  try {
    const run = await ctx.run([...ctx.config.db.pgDump, '--file', partial], { env: ctx.config.db.env });
    if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pg_dump');
    if (!(await fileExists(partial)) || !(await isCompleteDump(partial))) return failed(AgentErrorCode.BackupIncomplete, 'pg_dump wrote an incomplete dump');
    await link(partial, path);
    return { file: name, path, bytes: (await stat(path)).size };
  } catch (error) {
    return failed('action_failed', `could not write ${path}: ${(error as Error).message}`);
  } finally {
    await rm(partial, { force: true });
  }
}
