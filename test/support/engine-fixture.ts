import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RoleMembers } from '@recio/bot/access/roles';
import { Hosts } from '@recio/bot/hosts/fleet-hosts';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import type { Operations } from '@recio/bot/operations/operations';
import type { IncidentDesk } from '@recio/bot/incidents/desk';
import { assembleCore, type Core } from '@recio/bot/compose';
import type { Answer } from '@recio/bot/operations/types';
import type { RunEngine } from '@recio/bot/runbooks/engine';
import { loadRunbooks } from '@recio/bot/runbooks/loader';
import { openStore, type Store } from '@recio/bot/store/index';
import { createTestDatabase, type TestDatabase } from './pg-database.js';
import { startTestHost, type TestHost, type TestHostOptions } from './test-host.js';
import { testLogger } from './test-logger.js';
import type { Actor, GroupLookup, Origin, Run } from '@recio/bot/domain/index';
import { ownedTempDir } from './leftovers.js';

export const ALICE = 'UALICE001';
export const BOB = 'UBOB00002';
export const CAROL = 'UCAROL003';
export const MALLORY = 'UMALLORY4';
export const ROLES: RoleMembers = { lead_operator: [ALICE, BOB], system_architect: [CAROL], security_officer: [] };

/** REC.IO's tables as the sandbox and the tests make them. */
export const RECIO_TABLES_SQL = `
  CREATE TABLE trades (id serial PRIMARY KEY, symbol text NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE btc_price_log (ts timestamptz NOT NULL DEFAULT now(), price numeric NOT NULL);
  CREATE TABLE kalshi_market_snapshots (ts timestamptz NOT NULL DEFAULT now(), market text NOT NULL, yes_bid numeric);
  INSERT INTO trades (symbol) VALUES ('KXBTC-100K'), ('KXBTC-105K');
`;

/** A provider or web UI stand-in whose answer a test can change. */
export interface StubHttp {
  url: string;
  status: number;
  close(): Promise<void>;
}

export async function startStubHttp(status = 200): Promise<StubHttp> {
  const stub = { status } as StubHttp;
  const server: Server = createServer((_req, res) => {
    res
      .writeHead(stub.status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: stub.status < 400 ? 'ok' : 'down' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  stub.url = `http://127.0.0.1:${address.port}/health`;
  stub.close = () => new Promise<void>((done) => server.close(() => done()));
  return stub;
}

export interface EngineFixture {
  /** The bot's composition over the fixture's store and host (signals, settings, the desk). */
  core: Core;
  desk: IncidentDesk;
  store: Store;
  storeDb: TestDatabase;
  recio: TestDatabase;
  host: TestHost;
  hosts: Hosts;
  engine: RunEngine;
  ops: Operations;
  kalshi: StubHttp;
  coinbase: StubHttp;
  web: StubHttp;
  actor(id: string): Promise<Actor>;
  origin(key: string): Origin;
  stop(): Promise<void>;
}

/**
 * The core wired for real, without Slack: a store on the machine's PostgreSQL, a real test host
 * (sshd + our agent + supervisord), a REC.IO database, provider and web stand-ins, the runbooks.
 */
export async function startEngineFixture(
  options: {
    hostOptions?: TestHostOptions;
    /** Where incidents and runs are told (default `COPS00001`); a bench posting to the emulation names its channel. */
    opsChannel?: string;
    /** Merged over the fixture's own agent `db` section (a whole `db` in hostOptions replaces it). */
    db?: Record<string, unknown>;
    runbooksDir?: string;
    lockWaitMs?: number;
    /** RECIO_CLI_USERS as the core reads it (a test may change the record between steps). */
    cliUsers?: Record<string, string>;
    groupsOf?: GroupLookup;
    roles?: RoleMembers;
  } = {},
): Promise<EngineFixture> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const opsChannel = options.opsChannel ?? 'COPS00001';
  const run = async <T>(make: () => Promise<T>, stop: (value: T) => Promise<unknown>): Promise<T> => {
    const value = await make();
    cleanups.push(() => stop(value));
    return value;
  };
  try {
    const storeDb = await run(
      () => createTestDatabase('recio_store'),
      (d) => d.drop(),
    );
    const recio = await run(
      () => createTestDatabase('recio_app'),
      (d) => d.drop(),
    );
    await recio.query(RECIO_TABLES_SQL);
    const dataDir = await run(
      () => ownedTempDir('data'),
      (d) => rm(d, { recursive: true, force: true }),
    );
    const store = await run(
      () => openStore({ databaseUrl: storeDb.url, dataDir }),
      (s) => s.close(),
    );
    const [kalshi, coinbase, web] = await Promise.all([startStubHttp(), startStubHttp(), startStubHttp()]);
    cleanups.push(() => Promise.all([kalshi!.close(), coinbase!.close(), web!.close()]));
    const host = await run(
      () =>
        startTestHost({
          name: 'db1',
          ...options.hostOptions,
          agentConfig: {
            db: {
              status: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
              restart: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
              psql: recio.psql,
              pgDump: recio.pgDump,
              pgRestore: recio.pgRestore,
              scratch: recio.scratch,
              expectedTables: ['trades', 'btc_price_log', 'kalshi_market_snapshots'],
              feeds: {
                btc_price: { table: 'btc_price_log', column: 'ts' },
                kalshi: { table: 'kalshi_market_snapshots', column: 'ts' },
              },
              ...options.db,
            },
            ...options.hostOptions?.agentConfig,
          },
        }),
      (h) => h.stop(),
    );
    const hosts = new Hosts([
      {
        name: 'db1',
        roles: ['db', 'app', 'web'],
        transport: new SshTransport({
          host: host.fleetHost,
          privateKey: host.clientKey.privateKey,
          connectTimeoutMs: 5_000,
          commandTimeoutMs: 60_000,
        }),
      },
    ]);
    cleanups.push(() => hosts.close());
    const runbooks = loadRunbooks(options.runbooksDir ?? resolve(import.meta.dirname, '../../commands'));
    // The bot's own composition, over this fixture's store and host.
    const core = assembleCore(
      { store, hosts, runbooks },
      {
        opsChannel,
        roleMembers: options.roles ?? ROLES,
        ...(options.cliUsers ? { cliUsers: options.cliUsers } : {}),
        checks: { providers: { kalshi: kalshi!.url, coinbase: coinbase!.url }, webUrl: web!.url, httpTimeoutMs: 2_000 },
        lockWaitMs: options.lockWaitMs ?? 30_000,
        approvalTtlMs: 15 * 60_000,
        monitor: { intervalMs: 1_000, push: true },
      },
      { logger: testLogger, ...(options.groupsOf ? { groupsOf: options.groupsOf } : {}) },
    );
    const { engine, ops, desk } = core;
    return {
      core,
      desk,
      store,
      storeDb,
      recio,
      host,
      hosts,
      engine,
      ops,
      kalshi: kalshi!,
      coinbase: coinbase!,
      web: web!,
      actor: (id) => ops.actorFor(id),
      origin: (key) => ({
        surface: 'cli',
        channel: opsChannel,
        deliveryKey: key,
        requestId: `req-${key}`,
      }),
      stop: async () => {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

/** The answer must be a run (a restart, a runbook); anything else fails the test with what it was. */
export function asRun(answer: Answer): Extract<Answer, { type: 'run' }> {
  if (answer.type !== 'run') throw new Error(`expected a run, got ${JSON.stringify(answer)}`);
  return answer;
}

/** Polls until the run is in one of `states` (bounded); returns it. */
export async function runReaches(
  store: Store,
  runId: string,
  states: readonly string[] = ['succeeded', 'failed'],
): Promise<Run> {
  for (let i = 0; i < 600; i++) {
    const run = await store.runs.get(runId);
    if (run && states.includes(run.state)) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} never reached ${states.join('|')}`);
}
