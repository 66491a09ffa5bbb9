import { chmodSync, copyFileSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { localDate } from '@recio/agent/backup-files';
import { sha256File, sidecarOf, writeSidecar } from '@recio/agent/dump-hash';
import { isCustomFormat } from '@recio/agent/pg-toc';
import { createPrivateFile } from '@recio/agent/private-files';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { SandboxPaths } from './sandbox-paths.js';
import { pgCommands } from './sandbox-postgres.js';
import type { SandboxState } from './sandbox-state.js';
import type { UnixAccount } from './sandbox-user.js';
import { giveTo } from './write-if-changed.js';

/**
 * Tonight's dump as the agent's backup.create makes it (the plan's `db_$(date +%F).sql`, in
 * pg_dump's custom format, 0600, its SHA-256 beside it), made at `up` if today's is missing, so a
 * restore drill always has a latest backup to load.
 */
export async function ensureNightlyDump(
  paths: SandboxPaths,
  state: SandboxState,
  user: UnixAccount,
  now = new Date(),
): Promise<string | undefined> {
  const name = `db_${localDate(now)}.sql`;
  const path = join(paths.backupsDir, name);
  if (existsSync(path)) {
    ensureOffsiteCopy(paths, name, user);
    return undefined;
  }
  const partial = join(paths.backupsDir, `.${name}.partial`);
  const pgc = pgCommands(paths, state);
  const [file, ...args] = pgc.pgDump;
  rmSync(partial, { force: true });
  await createPrivateFile(partial);
  const run = await execa(file!, [...args, '--file', partial, '--format=custom'], {
    env: { ...process.env, ...pgc.env },
    reject: false,
    timeout: 120_000,
  });
  if (run.exitCode !== 0 || !(await isCustomFormat(partial))) {
    rmSync(partial, { force: true });
    throw new RecioError(
      ErrorCode.ActionFailed,
      `pg_dump for ${name} failed: ${run.stderr.trim() || 'incomplete dump'}`,
    );
  }
  renameSync(partial, path);
  await writeSidecar(path, await sha256File(path));
  // The agent's user prunes, verifies and restores these.
  giveTo(path, user);
  giveTo(sidecarOf(path), user);
  ensureOffsiteCopy(paths, name, user);
  return name;
}

/**
 * Its offsite copy, as the backup runbook's backup.offsite makes it (`cp` into the sandbox's
 * offsite dir, with the `.sha256`): the monitor watches offsite freshness, and a practice REC.IO
 * must not start with a "no dump offsite" incident the real nightly run would never leave.
 */
function ensureOffsiteCopy(paths: SandboxPaths, name: string, user: UnixAccount): void {
  for (const file of [name, `${name}.sha256`]) {
    const from = join(paths.backupsDir, file);
    const to = join(paths.offsiteDir, file);
    if (existsSync(to) || !existsSync(from)) continue;
    copyFileSync(from, to);
    chmodSync(to, 0o600);
    giveTo(to, user);
  }
}

export function listDumps(paths: SandboxPaths): string[] {
  try {
    return readdirSync(paths.backupsDir)
      .filter((n) => /^db_\d{4}-\d{2}-\d{2}.*\.sql$/.test(n))
      .sort();
  } catch {
    // No backups dir yet: no dumps.
    return [];
  }
}
