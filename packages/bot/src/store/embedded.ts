import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, isPortFree } from '@recio/os/ports';
import {
  initCluster,
  loadBinaries,
  prepareOwnedDir,
  resolveRunAs,
  spawnPostgres,
  storeStartError,
  waitUntilReady,
} from './embedded-cluster.js';
import { isAlive, parentPid, processArgv, stopPostmaster } from '@recio/os/processes';
import {
  claimDataDir,
  CLUSTER_DIR,
  CONFIG_FILE,
  LOG_FILE,
  OWNER_FILE,
  readConfig,
  unlinkQuietly,
  writeConfig,
  type ClusterConfig,
} from './embedded-state.js';
import type { StoreLogger } from './logger.js';

/** The bot's own PostgreSQL under its data dir. */
export interface EmbeddedPostgres {
  /** A connection string for the `recio` database on 127.0.0.1, as the runtime role. */
  url: string;
  /** The same database as the owner role (migrations and the runtime role's grants). */
  ownerUrl: string;
  port: number;
  /**
   * `started`: this process runs the server and stops it; `attached`: another live process (the bot, when
   * this is the CLI) does.
   */
  mode: 'started' | 'attached';
  /** Stops the server if this process started it; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: StoreLogger;
  startTimeoutMs?: number;
}

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
      config = {
        port: await freePort(),
        user: 'recio',
        password: randomBytes(24).toString('hex'),
        database: 'recio',
        ...newRuntimeRole(),
      };
      logger.info({ dataDir }, 'store: initialising embedded PostgreSQL');
      await initCluster(bins, clusterDir, config.user, config.password, runAs);
      writeConfig(dataDir, config);
    } else {
      prepareOwnedDir(clusterDir, runAs);
      // A cluster made before the runtime role existed gets one now.
      if (config.runtimeUser === undefined) {
        config = { ...config, ...newRuntimeRole() };
        writeConfig(dataDir, config);
      }
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
      url: runtimeUrlOf(config),
      ownerUrl: urlOf(config, config.database),
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
  if (parent !== undefined && parent > 1 && isAlive(parent) && (processArgv(parent)?.[0] ?? '').includes('node'))
    return parent;
  logger.warn({ pid }, 'store: stopping an orphaned embedded PostgreSQL left by a bot that did not shut down');
  await stopPostmaster(pid);
  unlinkQuietly(pidFile);
  return undefined;
}

async function attach(
  dataDir: string,
  ownerPid: number,
  logger: StoreLogger,
  timeoutMs: number,
): Promise<EmbeddedPostgres> {
  const deadline = Date.now() + timeoutMs;
  let config = readConfig(dataDir);
  // The owner may still be initialising the cluster.
  while (!config && Date.now() < deadline) {
    await sleep(100);
    config = readConfig(dataDir);
  }
  if (!config) throw storeStartError(`process ${ownerPid} owns ${dataDir} but no ${CONFIG_FILE} appeared`);
  await waitUntilReady(
    urlOf(config, config.database),
    undefined,
    join(dataDir, LOG_FILE),
    Math.max(1_000, deadline - Date.now()),
  );
  logger.info({ ownerPid, port: config.port }, 'store: using the embedded PostgreSQL of a running bot');
  return {
    url: runtimeUrlOf(config),
    ownerUrl: urlOf(config, config.database),
    port: config.port,
    mode: 'attached',
    stop: async () => undefined,
  };
}

async function ensureDatabase(config: ClusterConfig): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf(config, 'postgres'), connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [config.database]);
    if (rows.length === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(config.database)}`);
    if (config.runtimeUser !== undefined && config.runtimePassword !== undefined) {
      // The runtime role: a login without superuser, CREATEROLE or CREATEDB; its grants come after migrations.
      const role = client.escapeIdentifier(config.runtimeUser);
      const password = client.escapeLiteral(config.runtimePassword);
      const { rows: existing } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [config.runtimeUser]);
      await client.query(
        existing.length === 0
          ? `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`
          : `ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`,
      );
    }
  } finally {
    await client.end();
  }
}

function newRuntimeRole(): { runtimeUser: string; runtimePassword: string } {
  return { runtimeUser: 'recio_runtime', runtimePassword: randomBytes(24).toString('hex') };
}

/** The runtime role's URL; a cluster still without one (an older bot attached to) is used as the owner. */
function runtimeUrlOf(config: ClusterConfig): string {
  if (config.runtimeUser === undefined || config.runtimePassword === undefined) return urlOf(config, config.database);
  return urlOf({ ...config, user: config.runtimeUser, password: config.runtimePassword }, config.database);
}

function urlOf(config: ClusterConfig, database: string): string {
  const credentials = `${encodeURIComponent(config.user)}:${encodeURIComponent(config.password)}`;
  return `postgresql://${credentials}@127.0.0.1:${config.port}/${database}`;
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    if (child.exitCode === null) child.kill(name);
  } catch {
    // Already gone.
  }
}
