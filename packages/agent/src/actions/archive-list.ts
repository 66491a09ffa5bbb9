import { stat } from 'node:fs/promises';
import { CONFIG_ARCHIVE } from '@recio/protocol/actions';
import type { ActionContext, ActionHandler } from '../action-context.js';
import { failedRun, succeeded } from '../action-context.js';
import { listConfigArchives, listHistoryArchives, type ArchiveFile } from '../archive-files.js';
import { octal } from '../private-files.js';

interface ArchiveDir {
  dir: string;
  /** The dir's mode, null when it does not exist (nothing archived yet). */
  dirMode: string | null;
  files: ArchiveFile[];
}

/**
 * archive.list — what §2.2 and §2.3 keep on this host, newest first: the config archives (and,
 * with backups.offsiteList, which of them the offsite store holds) and the history archives (logs,
 * price and snapshot exports) with their retention. Modes included, for the doctor's 0600/0700 check.
 */
export const archiveList: ActionHandler<'archive.list'> = async (_params, ctx) => {
  const { configBackup, history } = ctx.config;
  const config = await dirOf(configBackup.dir, await listConfigArchives(configBackup.dir));
  const offsite = await offsiteConfigArchives(ctx);
  return succeeded({
    config: { ...config, ...(offsite === undefined ? {} : { offsite }) },
    history: { ...(await dirOf(history.dir, await listHistoryArchives(history.dir))), keepDays: history.keepDays },
  });
};

async function dirOf(dir: string, files: ArchiveFile[]): Promise<ArchiveDir> {
  const dirMode = await stat(dir).then(
    (info) => octal(info.mode),
    () => null,
  );
  return { dir, dirMode, files };
}

/** The config archives the offsite store lists (any word ending in an archive's name), or why it could not. */
async function offsiteConfigArchives(ctx: ActionContext): Promise<{ files: string[] } | { error: string } | undefined> {
  const { offsiteList, offsiteEnv } = ctx.config.backups;
  if (offsiteList === undefined) return undefined;
  const run = await ctx.run(offsiteList, { env: offsiteEnv });
  if (run.exitCode !== 0 || run.timedOut || run.startError !== undefined)
    return { error: failedRun(run, 'offsite listing').error?.message ?? 'offsite listing failed' };
  const names = run.stdout
    .split(/\s+/)
    .map((word) => word.split('/').at(-1) ?? '')
    .filter((name) => CONFIG_ARCHIVE.test(name));
  return { files: [...new Set(names)].sort().reverse() };
}
