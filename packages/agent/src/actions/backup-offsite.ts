import type { ActionHandler } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { fillArgv } from '../argv-template.js';
import { isOutcome, resolveDump } from '../backup-files.js';
import { sidecarOf, writeSidecar } from '../dump-hash.js';

/**
 * backup.offsite — the plan's offsite copy (§2.1: "last 30 days in offsite storage").
 *
 * params: { file?: a backup name (default the newest nightly) }
 * data:   { file, bytes, verified } — verified when backups.offsiteCheck is set and found the copy
 * config: backups.offsite (argv with {file} and {name}; unset → `offsite copy not configured`),
 *         backups.offsiteCheck (must exit 0 and print a word ending in the name),
 *         backups.offsiteEnv (credentials; password-like values redacted)
 *
 * The command is the admin's, e.g. `rclone copyto {file} remote:rec/{name}`; the agent fills the
 * placeholders inside argv elements (no shell) with a checked, complete dump. The 30 days are the
 * remote's business: a lifecycle rule on the bucket, or `rclone delete --min-age 30d` there.
 */
/** `rclone lsf` prints the name, `aws s3 ls` a line ending in it, `ls` a path: some word must end with it. */
function listsFile(output: string, name: string): boolean {
  return output.split(/\s+/).some((word) => word.endsWith(name));
}

export const backupOffsite: ActionHandler<'backup.offsite'> = async ({ file }, ctx) => {
  const { offsite, offsiteCheck, offsiteEnv } = ctx.config.backups;
  if (offsite === undefined) {
    return failed(
      ErrorCode.NotConfigured,
      'offsite copy not configured: set backups.offsite in the agent config',
      undefined,
      2,
    );
  }
  const dump = await resolveDump(ctx, file);
  if (isOutcome(dump)) return dump;
  const values = { file: dump.path, name: dump.file };
  const copy = await ctx.run(fillArgv(offsite, values), { env: offsiteEnv });
  const data = { file: dump.file, bytes: dump.bytes, verified: false };
  if (copy.exitCode !== 0 || copy.timedOut || copy.startError !== undefined)
    return failedRun(copy, `offsite copy of ${dump.file}`, data);
  // Its hash record goes along: a copy fetched back is used only if it still matches it. A dump
  // copied in by hand has none yet: the hash of what is shipped now becomes its record.
  if (!dump.hashRecorded) await writeSidecar(dump.path, dump.sha256);
  const record = await ctx.run(fillArgv(offsite, { file: sidecarOf(dump.path), name: `${dump.file}.sha256` }), {
    env: offsiteEnv,
  });
  if (record.exitCode !== 0 || record.timedOut || record.startError !== undefined)
    return failedRun(record, `offsite copy of ${dump.file}.sha256`, data);
  if (offsiteCheck === undefined) return succeeded(data);
  const check = await ctx.run(fillArgv(offsiteCheck, values), { env: offsiteEnv });
  if (check.exitCode !== 0 || check.timedOut || check.startError !== undefined)
    return failedRun(check, `offsite check of ${dump.file}`, data);
  if (!listsFile(check.stdout, dump.file)) {
    return failed(ErrorCode.ActionFailed, `offsite copy of ${dump.file} ran, but the check does not list it`, data);
  }
  return succeeded({ ...data, verified: true });
};
