import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { initCluster, loadBinaries, prepareOwnedDir, resolveRunAs, spawnPostgres, storeStartError, waitUntilReady } from './embedded-cluster.js';
import { isAlive, processArgv, processStartTime, stopPostmaster } from './embedded-process.js';
import type { StoreLogger } from './logger.js';

/** The bot's own PostgreSQL under its data dir. */
export interface EmbeddedPostgres {
  /** A connection string for the `recio` database on 127.0.0.1. */
  url: string;
  port: number;
  /** `started`: this process runs the server and stops it; `attached`: another live process (the bot, when this is the CLI) does. */
  mode: 'started' | 'attached';
  /** Stops the server if this process started it; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: StoreLogger;
  startTimeoutMs?: number;
}

/** What we remember about the cluster between starts; the password never leaves this file. */
interface ClusterConfig {
  port: number;
  user: string;
  password: string;
  database: string;
}

const CONFIG_FILE = 'embedded.json';
const OWNER_FILE = 'recio-store.pid';
const CLUSTER_DIR = 'postgres';
const LOG_FILE = 'postgres.log';

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const { logger } = options;
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const runAs = resolveRunAs();
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  // The server's user must be able to walk into the data dir to reach its cluster below it.
  if (runAs) chmodSync(dataDir, statSync(dataDir).mode | 0o001);
  const owner = claimDataDir(dataDir);
  if (owner !== undefined) return attach(dataDir, owner, logger, timeoutMs);

  const ownerFile = join(dataDir, OWNER_FILE);
  try {
    const bins = await loadBinaries();
    const clusterDir = join(dataDir, CLUSTER_DIR);
    const logFile = join(dataDir, LOG_FILE);
    let config = readConfig(dataDir);
    if (!config) {
      if (existsSync(clusterDir)) {
        // A cluster without its config is a first start that died half-way: keep it aside, never delete.
        const aside = `${clusterDir}.incomplete-${Date.now()}`;
        renameSync(clusterDir, aside);
        logger.warn({ aside }, 'store: moved an incomplete embedded cluster aside');
      }
      config = { port: await freePort(), user: 'recio', password: randomBytes(24).toString('hex'), database: 'recio' };
      logger.info({ dataDir }, 'store: initialising embedded PostgreSQL');
      await initCluster(bins, clusterDir, config.user, config.password, runAs);
      writeConfig(dataDir, config);
    } else {
      prepareOwnedDir(clusterDir, runAs);
    }
    const adopted = await handleLeftoverPostmaster(clusterDir, logger);
    if (adopted !== undefined) {
      unlinkQuietly(ownerFile);
      return attach(dataDir, adopted, logger, timeoutMs);
    }
    if (!(await isPortFree(config.port))) {
      const old = config.port;
      config = { ...config, port: await freePort() };
      writeConfig(dataDir, config);
      logger.warn({ old, port: config.port }, 'store: recorded port is taken; embedded PostgreSQL moves to a new one');
    }
    const child = spawnPostgres(bins, clusterDir, config.port, logFile, runAs);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    // If the bot exits without closing the store, the server must not outlive it as an orphan.
    const onExit = (): void => void signal(child, 'SIGINT');
    process.once('exit', onExit);
    try {
      await waitUntilReady(urlOf(config, 'postgres'), child, logFile, timeoutMs);
      await ensureDatabase(config);
    } catch (error) {
      process.removeListener('exit', onExit);
      signal(child, 'SIGQUIT');
      await Promise.race([exited, sleep(5_000)]);
      throw error;
    }
    logger.info({ port: config.port, pid: child.pid }, 'store: embedded PostgreSQL started');
    let stopping: Promise<void> | undefined;
    return {
      url: urlOf(config, config.database),
      port: config.port,
      mode: 'started',
      stop() {
        stopping ??= (async () => {
          process.removeListener('exit', onExit);
          if (child.pid !== undefined && child.exitCode === null) await stopPostmaster(child.pid);
          await Promise.race([exited, sleep(1_000)]);
          unlinkQuietly(ownerFile);
          logger.info({}, 'store: embedded PostgreSQL stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    unlinkQuietly(ownerFile);
    throw error;
  }
}

/**
 * Records this process as the one running the data dir's server. Returns the pid of another live
 * process that already does, or undefined once the claim is ours (a record left by a dead process
 * is replaced: pid plus start time, since pids are reused after a crash).
 */
function claimDataDir(dataDir: string): number | undefined {
  const file = join(dataDir, OWNER_FILE);
  const me = { pid: process.pid, startTime: processStartTime(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const record = readJson<{ pid?: number; startTime?: string }>(file);
    if (record?.pid !== undefined && isAlive(record.pid) && processStartTime(record.pid) === record.startTime) return record.pid;
    unlinkQuietly(file);
  }
  throw storeStartError(`cannot claim ${file}: it keeps being rewritten by another process`);
}

/**
 * A postmaster.pid left behind. If its server still runs, the bot that started it was killed
 * without stopping it (its parent is gone): stop that orphan. If a live node process is its
 * parent, another bot started it moments ago: return its pid and attach instead. If no such
 * server runs, remove the file — PostgreSQL refuses to start while the pid in it belongs to any
 * live process, which after a reboot or in a container is often an unrelated one.
 */
async function handleLeftoverPostmaster(clusterDir: string, logger: StoreLogger): Promise<number | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]);
  const argv = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? processArgv(pid) : undefined;
  const isOurServer = argv !== undefined && (argv[0] ?? '').endsWith('postgres') && argv.includes(clusterDir);
  if (!isOurServer) {
    logger.warn({ pid }, 'store: removing a stale postmaster.pid (no server of ours runs under that pid)');
    unlinkQuietly(pidFile);
    return undefined;
  }
  const parent = parentPid(pid);
  if (parent !== undefined && parent > 1 && isAlive(parent) && (processArgv(parent)?.[0] ?? '').includes('node')) return parent;
  logger.warn({ pid }, 'store: stopping an orphaned embedded PostgreSQL left by a bot that did not shut down');
  await stopPostmaster(pid);
  unlinkQuietly(pidFile);
  return undefined;
}

async function attach(dataDir: string, ownerPid: number, logger: StoreLogger, timeoutMs: number): Promise<EmbeddedPostgres> {
  const deadline = Date.now() + timeoutMs;
  let config = readConfig(dataDir);
  // The owner may still be initialising the cluster.
  while (!config && Date.now() < deadline) {
    await sleep(100);
    config = readConfig(dataDir);
  }
  if (!config) throw storeStartError(`process ${ownerPid} owns ${dataDir} but no ${CONFIG_FILE} appeared`);
  await waitUntilReady(urlOf(config, config.database), undefined, join(dataDir, LOG_FILE), Math.max(1_000, deadline - Date.now()));
  logger.info({ ownerPid, port: config.port }, 'store: using the embedded PostgreSQL of a running bot');
  return { url: urlOf(config, config.database), port: config.port, mode: 'attached', stop: async () => undefined };
}

async function ensureDatabase(config: ClusterConfig): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf(config, 'postgres'), connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [config.database]);
    if (rows.length === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(config.database)}`);
  } finally {
    await client.end();
  }
}

function urlOf(config: ClusterConfig, database: string): string {
  return `postgresql://${encodeURIComponent(config.user)}:${encodeURIComponent(config.password)}@127.0.0.1:${config.port}/${database}`;
}

function readConfig(dataDir: string): ClusterConfig | undefined {
  const raw = readJson<Partial<ClusterConfig>>(join(dataDir, CONFIG_FILE));
  if (!raw || typeof raw.port !== 'number' || typeof raw.user !== 'string' || typeof raw.password !== 'string' || typeof raw.database !== 'string') {
    return undefined;
  }
  return { port: raw.port, user: raw.user, password: raw.password, database: raw.database };
}

function writeConfig(dataDir: string, config: ClusterConfig): void {
  const file = join(dataDir, CONFIG_FILE);
  // Written whole then renamed: a crash mid-write must not leave a config without a password.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    if (child.exitCode === null) child.kill(name);
  } catch {
    // Already gone.
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}
