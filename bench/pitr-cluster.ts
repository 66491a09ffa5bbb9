// A throwaway PostgreSQL cluster with WAL archiving to a throwaway pgBackRest repository, for
// `npm run bench:restore`'s point-in-time figures. The machine's own cluster is never touched:
// archive_mode needs a server restart and would archive everyone else's databases too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from '@recio/os/ports';
import { findPgBinDir } from '@recio/sandbox/sandbox-postgres';

export interface PitrCluster {
  url: string;
  /** The agent config's db.psql and db.pitr for this cluster (run as its owner when we are root). */
  psql: string[];
  pitr: { enabled: true; pgbackrest: string[]; stop: string[]; start: string[] };
  pgbackrest(...command: string[]): Promise<void>;
  destroy(): Promise<void>;
}

const STANZA = 'bench';

export async function startPitrCluster(): Promise<PitrCluster> {
  const bin = findPgBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'recio-bench-pitr-'));
  const isRoot = process.getuid?.() === 0;
  // initdb and pg_ctl refuse root; Debian's postgresql package made this account.
  const asOwner = isRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  const repo = join(dir, 'repo');
  for (const d of [sock, repo, join(dir, 'log'), join(dir, 'lock'), join(dir, 'spool')]) mkdirSync(d, { mode: 0o700 });
  const config = join(dir, 'pgbackrest.conf');
  const port = await freePort();
  writeFileSync(
    config,
    [
      '[global]',
      `repo1-path=${repo}`,
      `log-path=${join(dir, 'log')}`,
      `lock-path=${join(dir, 'lock')}`,
      `spool-path=${join(dir, 'spool')}`,
      'log-level-console=warn',
      'start-fast=y',
      'compress-type=lz4',
      `[${STANZA}]`,
      `pg1-path=${data}`,
      `pg1-port=${port}`,
      `pg1-socket-path=${sock}`,
      '',
    ].join('\n'),
  );
  if (isRoot) await execa('chown', ['-R', 'postgres:postgres', dir]);
  const run = (argv: string[]) => execa(argv[0]!, argv.slice(1), { stdio: 'pipe' });
  const pgCtl = [...asOwner, join(bin, 'pg_ctl'), '-D', data, '-w', '-t', '120'];
  const start = [...pgCtl, '-l', join(dir, 'postgres.log'), 'start'];
  const stop = [...pgCtl, '-m', 'fast', 'stop'];
  const destroy = async () => {
    await execa(pgCtl[0]!, [...pgCtl.slice(1), '-m', 'immediate', 'stop'], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  };
  const pgbackrest = [...asOwner, 'pgbackrest', `--config=${config}`, `--stanza=${STANZA}`];
  try {
    await run([...asOwner, join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-instructions']);
    writeFileSync(
      join(data, 'postgresql.auto.conf'),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${sock}'`,
        'wal_level = replica',
        'archive_mode = on',
        `archive_command = 'pgbackrest --config=${config} --stanza=${STANZA} archive-push %p'`,
        'archive_timeout = 60',
        "max_wal_size = '2GB'",
        '',
      ].join('\n'),
    );
    await run(start);
    await run([...pgbackrest, 'stanza-create']);
  } catch (error) {
    // A cluster half made (initdb or its start failed) is not left behind in /tmp.
    await destroy();
    throw error;
  }
  const psql = [join(bin, 'psql'), '-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres'];
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    psql,
    pitr: { enabled: true, pgbackrest, stop, start },
    pgbackrest: async (...command) => {
      await run([...pgbackrest, ...command]);
    },
    destroy,
  };
}
