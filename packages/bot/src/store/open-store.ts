import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Config } from '../config.js';
import { type AuditAnchor, writeAnchor } from './audit-anchors.js';
import { grantRuntimeRole, roleOfUrl } from './runtime-grants.js';
import { verifyChain, type AuditVerdict } from './audit-verify.js';
import { createPool, poolDb, type Db } from './db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { silentLogger, type StoreLogger } from './logger.js';
import { applyMigrations, loadMigrations, locateMigrationsDir, type MigrationReport } from './migrate.js';
import { startPresence, type Presence } from './presence.js';
import { startLeadership, type Leadership } from './leadership.js';
import { LOCK_MONITOR } from './lock-keys.js';
import { recoverInterrupted, type RecoveryOptions, type RecoveryReport } from './recovery.js';
import { createRepos, type Repos } from './repos.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

export interface OpenStoreOptions {
  /** A shared PostgreSQL (several replicas). Without it, the bot runs its own under `dataDir`. */
  databaseUrl?: string | undefined;
  /**
   * DATABASE_OWNER_URL: the role that owns the tables and runs migrations (`recio migrate`). With
   * it, the runtime role of `databaseUrl` is granted only INSERT and SELECT on the audit log.
   */
  ownerUrl?: string | undefined;
  /** Where the embedded PostgreSQL lives (`RECIO_DATA_DIR`, default ./data). */
  dataDir: string;
  logger?: StoreLogger;
  /** Apply pending migrations while opening (default true); `recio migrate` opens without and calls runMigrations. */
  migrate?: boolean;
  migrationsDir?: string;
  poolSize?: number;
  /** How long to wait for a connection before answering `store_unavailable` (default 3 s). */
  connectTimeoutMs?: number;
  /** The longest any one statement may run (default 15 s). */
  statementTimeoutMs?: number;
  /** Names this process in claims and leases; unique per process (default host:pid:random). */
  instanceId?: string;
}

/** The bot's memory: every repository, plus transactions, crash recovery and lifecycle. */
export interface Store extends Repos {
  readonly backend: 'shared' | 'embedded';
  readonly instanceId: string;
  /** Runs `fn` in one transaction: a state change and the outbox row that tells it commit together, or neither does. */
  withTransaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** See `recoverInterrupted`: call at start, and now and then, to settle steps whose bot died. */
  recoverInterruptedSteps(options?: RecoveryOptions): Promise<RecoveryReport>;
  /** Competes for the one-per-cluster leadership of a job (`monitor`); closed with the store. */
  leadership(
    job: 'monitor',
    options: { retryMs: number; onChange?: (leader: boolean) => void; onAttempt?: (held: boolean) => void },
  ): Promise<Leadership>;
  /** Resolves if the store answers; throws `store_unavailable` otherwise. */
  ping(): Promise<void>;
  /** Closes connections and stops the embedded PostgreSQL if this process started it. */
  close(): Promise<void>;
}

interface StoreInternals {
  db: Db;
  connectionString: string;
  ownerUrl: string | undefined;
  migrationsDir: string;
  logger: StoreLogger;
  connectTimeoutMs: number;
}

const internals = new WeakMap<Store, StoreInternals>();

/** The options `main.ts` and `cli.ts` pass, from the loaded config. */
export function storeOptionsFromConfig(config: Config): Pick<OpenStoreOptions, 'databaseUrl' | 'ownerUrl' | 'dataDir'> {
  return {
    databaseUrl: config.env.DATABASE_URL,
    ownerUrl: config.env.DATABASE_OWNER_URL,
    dataDir: config.env.RECIO_DATA_DIR,
  };
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const migrationsDir = options.migrationsDir ?? locateMigrationsDir();
  let embedded: EmbeddedPostgres | undefined;
  let pool: pg.Pool | undefined;
  let presence: Presence | undefined;
  try {
    if (!options.databaseUrl) embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, logger });
    const connectionString = options.databaseUrl ?? embedded!.url;
    // Embedded: the store made both roles itself. Shared: the owner only when DATABASE_OWNER_URL is given.
    const ownerUrl = options.databaseUrl ? options.ownerUrl : embedded!.ownerUrl;
    if (options.migrate !== false)
      await migrateAndGrant(connectionString, ownerUrl, migrationsDir, logger, connectTimeoutMs);
    pool = createPool(
      {
        connectionString,
        max: options.poolSize ?? (embedded ? 5 : 10),
        connectTimeoutMs,
        statementTimeoutMs: options.statementTimeoutMs ?? 15_000,
        applicationName: 'recio-bot',
      },
      logger,
    );
    presence = await startPresence(connectionString, instanceId, connectTimeoutMs, logger);
    const db = poolDb(pool, logger);
    const openPool = pool;
    const openPresence = presence;
    let closing: Promise<void> | undefined;
    const leaderships = new Set<Leadership>();
    const store: Store = {
      ...createRepos(db, instanceId),
      backend: embedded ? 'embedded' : 'shared',
      instanceId,
      withTransaction: (fn) => db.transaction((tx) => fn(createRepos(tx, instanceId))),
      recoverInterruptedSteps: (recoveryOptions) =>
        recoverInterrupted(db, (tx) => createRepos(tx, instanceId), recoveryOptions),
      async ping() {
        await db.query('SELECT 1');
      },
      async leadership(_job, options) {
        const held = await startLeadership(connectionString, LOCK_MONITOR, {
          retryMs: options.retryMs,
          connectTimeoutMs,
          logger,
          ...(options.onChange ? { onChange: options.onChange } : {}),
          ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
        });
        leaderships.add(held);
        return held;
      },
      close() {
        closing ??= (async () => {
          await Promise.all([...leaderships].map((l) => within(l.close(), 5_000)));
          // Ending a connection waits for the server's goodbye; a frozen server must not hold
          // the bot's shutdown hostage.
          await within(openPresence.close(), 5_000);
          await within(
            openPool.end().catch(() => undefined),
            5_000,
          );
          await embedded?.stop();
        })();
        return closing;
      },
    };
    internals.set(store, { db, connectionString, ownerUrl, migrationsDir, logger, connectTimeoutMs });
    return store;
  } catch (error) {
    await presence?.close();
    await pool?.end().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

function within(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work, sleep(ms, undefined, { ref: false })]);
}

function internalsOf(store: Store): StoreInternals {
  const found = internals.get(store);
  if (!found) throw new RecioError(ErrorCode.Internal, 'not a store returned by openStore()');
  return found;
}

/** Applies pending migrations (what `recio migrate` runs). */
export function runMigrations(store: Store): Promise<MigrationReport> {
  const { connectionString, ownerUrl, migrationsDir, logger, connectTimeoutMs } = internalsOf(store);
  return migrateAndGrant(connectionString, ownerUrl, migrationsDir, logger, connectTimeoutMs);
}

/** Migrations as the owner (if there is one), then the runtime role's grants. */
async function migrateAndGrant(
  connectionString: string,
  ownerUrl: string | undefined,
  migrationsDir: string,
  logger: StoreLogger,
  connectTimeoutMs: number,
): Promise<MigrationReport> {
  const report = await applyMigrations(ownerUrl ?? connectionString, migrationsDir, logger, connectTimeoutMs);
  if (ownerUrl) await grantRuntimeRole(ownerUrl, roleOfUrl(connectionString), connectTimeoutMs);
  return report;
}

/** Which of this build's migrations the database has not applied yet (`recio doctor`), without applying any. */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const { db, migrationsDir } = internalsOf(store);
  const applied = await db
    .query<{ version: number }>('SELECT version FROM schema_migrations')
    .catch(() => [] as Array<{ version: number }>);
  const done = new Set(applied.map((r) => r.version));
  return loadMigrations(migrationsDir)
    .filter((m) => !done.has(m.version))
    .map((m) => m.name);
}

/** Walks the audit chain and compares it with the anchors kept outside the database (`recio audit verify`). */
export function verifyAuditChain(store: Store, anchors: readonly AuditAnchor[] = []): Promise<AuditVerdict> {
  return verifyChain(internalsOf(store).db, anchors);
}

/** Writes the chain's head to the anchor file (hourly, after a dangerous action). */
export function anchorAuditHead(store: Store, file: string, reason: string): Promise<AuditAnchor | undefined> {
  return writeAnchor(internalsOf(store).db, file, reason);
}
