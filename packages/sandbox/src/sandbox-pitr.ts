import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveOnSecurePath } from '@recio/agent/install/sudo-rules';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { SandboxPaths } from './sandbox-paths.js';
import type { SandboxState } from './sandbox-state.js';
import { asUser, type UnixAccount } from './sandbox-user.js';
import { ensureDir, giveTo, writeIfChanged } from './write-if-changed.js';

/**
 * Point-in-time recovery in the sandbox: a pgBackRest repository under backups/pgbackrest for the
 * sandbox's cluster, its stanza `sbx`, and the cluster's archive_command pushing every WAL segment
 * there. The agent's db.pitr actions run pgBackRest as the sandbox's user (the data directory's
 * owner), so no sudo is involved. Without Debian's pgbackrest package the sandbox runs without it.
 */
export const PITR_STANZA = 'sbx';

export interface PitrLayout {
  pgbackrest: string;
  config: string;
  repo: string;
  /** The cluster's unix socket directory: pgBackRest reaches PostgreSQL only through a socket. */
  socketDir: string;
  stanzaDone: string;
}

export function pitrLayout(paths: SandboxPaths): PitrLayout | undefined {
  const pgbackrest = resolveOnSecurePath('pgbackrest');
  if (pgbackrest === undefined) return undefined;
  return {
    pgbackrest,
    config: join(paths.pgDir, 'pgbackrest.conf'),
    repo: join(paths.dir, 'backups', 'pgbackrest'),
    // pg/sock/.s.PGSQL.<port> is shorter than supervisor/supervisor.sock, which sandboxPaths keeps under 107 bytes.
    socketDir: join(paths.pgDir, 'sock'),
    stanzaDone: join(paths.pgDir, 'pitr-stanza-done'),
  };
}

/** pgBackRest with the sandbox's config and stanza; the agent and tests append the command. */
export function pgbackrestArgv(layout: PitrLayout): string[] {
  return [layout.pgbackrest, `--config=${layout.config}`, `--stanza=${PITR_STANZA}`];
}

/**
 * The lines postgresql.auto.conf gets for WAL archiving (archive_mode needs a server start). The
 * socket is the owner's only (0700): pg_hba trusts it as the owner's, like Debian's peer rule for postgres.
 */
export function archiveSettings(layout: PitrLayout): string[] {
  return [
    `unix_socket_directories = '${layout.socketDir}'`,
    'unix_socket_permissions = 0700',
    'wal_level = replica',
    'archive_mode = on',
    `archive_command = '${pgbackrestArgv(layout).join(' ')} archive-push %p'`,
    // A segment is archived at least once a minute even when little is written: the ≤ 60 s loss target.
    'archive_timeout = 60',
  ];
}

/** The repository's config (0600, the sandbox user's), written on every `up`; the repo dir 0700. */
export function ensurePitrConfig(paths: SandboxPaths, state: SandboxState, layout: PitrLayout, user: UnixAccount) {
  ensureDir(layout.repo, 0o700, user);
  ensureDir(layout.socketDir, 0o700, user);
  for (const dir of ['pgbackrest-log', 'pgbackrest-lock', 'pgbackrest-spool'])
    ensureDir(join(paths.pgDir, dir), 0o700, user);
  const text = [
    "# Written by `recio sandbox up`: the sandbox cluster's pgBackRest repository.",
    '[global]',
    `repo1-path=${layout.repo}`,
    'repo1-retention-full=2',
    `log-path=${join(paths.pgDir, 'pgbackrest-log')}`,
    `lock-path=${join(paths.pgDir, 'pgbackrest-lock')}`,
    `spool-path=${join(paths.pgDir, 'pgbackrest-spool')}`,
    'log-level-console=warn',
    'log-level-file=info',
    'start-fast=y',
    'compress-type=lz4',
    '',
    `[${PITR_STANZA}]`,
    `pg1-path=${paths.pgData}`,
    `pg1-port=${state.ports.postgres}`,
    `pg1-socket-path=${layout.socketDir}`,
    // Over the socket, which only the cluster's owner can open (unix_socket_permissions 0700, trust in pg_hba).
    `pg1-user=${state.db.adminUser}`,
    '',
  ].join('\n');
  if (writeIfChanged(layout.config, text, 0o600)) giveTo(layout.config, user);
}

/** The first line of pg_hba.conf: the owner's socket (0700) is trusted, everything else keeps its password. */
export const SOCKET_TRUST = 'local all all trust';

/** `stanza-create`, once, with the cluster running. */
export async function ensureStanza(paths: SandboxPaths, layout: PitrLayout, user: UnixAccount) {
  if (existsSync(layout.stanzaDone)) return false;
  await runPgbackrest(paths, layout, user, ['stanza-create']);
  writeFileSync(layout.stanzaDone, `${new Date().toISOString()}\n`);
  return true;
}

/** A full base backup of the cluster now: what a nightly `pgbackrest backup` cron line makes on a host. */
export async function pitrBaseBackup(paths: SandboxPaths, user: UnixAccount): Promise<void> {
  const layout = pitrLayout(paths);
  if (layout === undefined)
    throw new RecioError(ErrorCode.ConfigInvalid, 'pgbackrest is not installed (apt-get install pgbackrest)');
  await runPgbackrest(paths, layout, user, ['--type=full', 'backup']);
}

async function runPgbackrest(
  paths: SandboxPaths,
  layout: PitrLayout,
  user: UnixAccount,
  command: string[],
): Promise<void> {
  const [file, ...args] = pgbackrestArgv(layout);
  const run = await execa(file!, [...args, ...command], {
    ...asUser(user, paths.homeDir),
    reject: false,
    timeout: 300_000,
  });
  if (run.exitCode !== 0)
    throw new RecioError(
      ErrorCode.ActionFailed,
      `pgbackrest ${command.join(' ')} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    );
}
