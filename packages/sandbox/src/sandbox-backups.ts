import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { isCompleteDump, localDate } from '@recio/agent/backup-files';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { SandboxPaths } from './sandbox-paths.js';
import { pgCommands } from './sandbox-postgres.js';
import type { SandboxState } from './sandbox-state.js';
import type { UnixAccount } from './sandbox-user.js';
import { giveTo } from './write-if-changed.js';

/**
 * Tonight's dump as the plan's cron makes it (`pg_dump … > /backups/postgres/db_$(date +%F).sql`),
 * made at `up` if today's is missing, so a restore drill always has a latest backup to load.
 */
export async function ensureNightlyDump(
  paths: SandboxPaths,
  state: SandboxState,
  user: UnixAccount,
  now = new Date(),
): Promise<string | undefined> {
  const name = `db_${localDate(now)}.sql`;
  const path = join(paths.backupsDir, name);
  if (existsSync(path)) return undefined;
  const partial = join(paths.backupsDir, `.${name}.partial`);
  const pgc = pgCommands(paths, state);
  const [file, ...args] = pgc.pgDump;
  const run = await execa(file!, [...args, '--file', partial], {
    env: { ...process.env, ...pgc.env },
    reject: false,
    timeout: 120_000,
  });
  if (run.exitCode !== 0 || !(await isCompleteDump(partial))) {
    rmSync(partial, { force: true });
    throw new RecioError(
      ErrorCode.ActionFailed,
      `pg_dump for ${name} failed: ${run.stderr.trim() || 'incomplete dump'}`,
    );
  }
  renameSync(partial, path);
  // The agent's user prunes, verifies and restores these.
  giveTo(path, user);
  return name;
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
