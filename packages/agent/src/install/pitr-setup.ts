import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { DesiredFile } from './plan-install.js';
import { resolveOnSecurePath } from './sudo-rules.js';

/**
 * `recio agent install --pitr`: point-in-time recovery with Debian's pgbackrest on the database
 * host. The install writes the stanza `recio` (/etc/pgbackrest/conf.d/recio.conf, the repository in
 * /var/lib/pgbackrest) and the archive settings (a conf.d file of the Debian cluster, which Debian's
 * postgresql.conf includes), adds db.pitr to a new agent config, and the sudoers drop-in gets the
 * exact pgbackrest and systemctl lines (sudo-rules.ts). After applying it runs `stanza-create` as
 * postgres. archive_mode takes effect at the next PostgreSQL restart, which the install does not do.
 */
export const PITR_STANZA = 'recio';

export interface PitrPaths {
  stanzaConf: string;
  pgConf: string;
  repo: string;
  pgData: string;
  cluster: string;
}

/** The newest Debian cluster (`/etc/postgresql/<version>/main`), or the one named `<version>/<name>`. */
export function pitrPaths(rootDir: string, cluster?: string): PitrPaths {
  let chosen = cluster;
  if (chosen === undefined) {
    let versions: string[] = [];
    try {
      versions = readdirSync(join(rootDir, '/etc/postgresql'))
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a));
    } catch {
      // No Debian cluster config: said below.
    }
    if (versions[0] === undefined)
      throw new RecioError(
        ErrorCode.ConfigInvalid,
        '--pitr: no PostgreSQL cluster under /etc/postgresql (Debian layout); ' +
          'name one with --pg-cluster <version>/main',
      );
    chosen = `${versions[0]}/main`;
  }
  if (!/^\d+\/[a-z0-9_-]+$/.test(chosen))
    throw new RecioError(
      ErrorCode.InvalidParams,
      `--pg-cluster must be <version>/<name>, got ${JSON.stringify(chosen)}`,
    );
  return {
    stanzaConf: join(rootDir, '/etc/pgbackrest/conf.d/recio.conf'),
    pgConf: join(rootDir, `/etc/postgresql/${chosen}/conf.d/recio-pitr.conf`),
    repo: join(rootDir, '/var/lib/pgbackrest'),
    pgData: join(rootDir, `/var/lib/postgresql/${chosen}`),
    cluster: chosen,
  };
}

/** The files --pitr writes: readable by postgres (it runs pgbackrest and archive_command), owned by root. */
export function pitrFiles(paths: PitrPaths): DesiredFile[] {
  const pgbackrest = resolveOnSecurePath('pgbackrest') ?? '/usr/bin/pgbackrest';
  const owner = { user: 'root', group: 'postgres' };
  return [
    {
      path: paths.stanzaConf,
      content: [
        '# Written by `recio agent install --pitr`: the stanza the agent restores from (db.pitr.*).',
        '[global]',
        `repo1-path=${paths.repo}`,
        'repo1-retention-full=2',
        'start-fast=y',
        'compress-type=lz4',
        '',
        `[${PITR_STANZA}]`,
        `pg1-path=${paths.pgData}`,
        '',
      ].join('\n'),
      mode: 0o640,
      owner,
      policy: 'replace',
    },
    {
      path: paths.pgConf,
      content: [
        '# Written by `recio agent install --pitr`: every WAL segment to the pgBackRest stanza, at least',
        '# once a minute (the <= 60 s loss target). archive_mode needs a restart of PostgreSQL.',
        'wal_level = replica',
        'archive_mode = on',
        `archive_command = '${pgbackrest} --stanza=${PITR_STANZA} archive-push %p'`,
        'archive_timeout = 60',
        '',
      ].join('\n'),
      mode: 0o644,
      owner,
      policy: 'replace',
    },
  ];
}

/** db.pitr for a new agent config: pgbackrest as postgres, the cluster stopped and started with systemctl. */
export function pitrConfigSection(systemctl: string) {
  const pgbackrest = resolveOnSecurePath('pgbackrest') ?? '/usr/bin/pgbackrest';
  return {
    enabled: true,
    pgbackrest: ['sudo', '-n', '-u', 'postgres', pgbackrest, `--stanza=${PITR_STANZA}`],
    stop: ['sudo', '-n', systemctl, 'stop', 'postgresql'],
    start: ['sudo', '-n', systemctl, 'start', 'postgresql'],
  };
}

/** `stanza-create` as postgres (idempotent: an existing, matching stanza is left as it is); what it said. */
export async function createStanza(): Promise<{ ok: boolean; message: string }> {
  const run = await execa(
    'runuser',
    ['-u', 'postgres', '--', 'pgbackrest', `--stanza=${PITR_STANZA}`, 'stanza-create'],
    {
      reject: false,
      timeout: 120_000,
    },
  );
  if (run.exitCode === 0)
    return {
      ok: true,
      message:
        `pgbackrest stanza ${PITR_STANZA} ready. Restart PostgreSQL once (archive_mode), ` +
        'then take the first base backup: ' +
        `sudo -u postgres pgbackrest --stanza=${PITR_STANZA} --type=full backup (and nightly from cron)`,
    };
  const why = (run.stderr || run.stdout || run.shortMessage || '').trim().split('\n').slice(-2).join(' / ');
  return { ok: false, message: `pgbackrest stanza-create failed: ${why}` };
}
