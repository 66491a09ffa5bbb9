import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecioError } from '@recio/protocol/errors';
import { childPids } from '@recio/os/processes';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@recio/bot/store/embedded';
import { openStore, type Store } from '@recio/bot/store/index';
import { silentLogger } from '@recio/bot/store/logger';
import { makeTempDir } from './support/backends.js';
import { stopLeftoverPostgres } from './support/leftovers.js';

async function failure(promise: Promise<unknown>): Promise<RecioError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(error instanceof RecioError)) throw error;
  return error;
}

// Stops and starts a PostgreSQL that this test owns (an embedded cluster in a temp dir), never
// the machine's shared server.
describe('the store when PostgreSQL goes away', () => {
  let dataDir: string;
  let server: EmbeddedPostgres | undefined;
  let store: Store | undefined;
  let silent: Server | undefined;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    dataDir = makeTempDir();
    server = await startEmbeddedPostgres({ dataDir, logger: silentLogger });
    // A pino logger fits the store's logger type as it is.
    store = await openStore({
      databaseUrl: server.url,
      // A shared server as the bot meets one: the runtime role, migrated by the owner.
      ownerUrl: server.ownerUrl,
      dataDir,
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 500,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
    await stopLeftoverPostgres(dataDir);
    for (const socket of sockets) socket.destroy();
    silent?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails fast with store_unavailable while it is stopped, and works again once it is back', async () => {
    const s = store!;
    const { steps } = await s.runs.create({
      scenario: 'verify',
      requestedBy: 'U0OPS',
      steps: [{ title: 'Status', host: 'app1', action: 'service.status' }],
    });
    await server!.stop();

    for (const call of [
      () => s.ping(),
      () => s.deliveries.claim('evt:while-down', 'event'),
      () => s.steps.claim(steps[0]!.id, { leaseMs: 1_000 }),
      () => s.withTransaction((tx) => tx.audit.append({ actor: 'system', action: 'x' })),
      () => s.recoverInterruptedSteps(),
    ]) {
      const error = await failure(call());
      expect(error.code).toBe('store_unavailable');
      expect(error.message).toMatch(/store \(PostgreSQL\) is unavailable/);
    }

    server = await startEmbeddedPostgres({ dataDir, logger: silentLogger });
    await until(() => s.ping());
    expect((await s.deliveries.claim('evt:after', 'event')).claimed).toBe(true);
    expect((await s.steps.claim(steps[0]!.id, { leaseMs: 1_000 })).claimed).toBe(true);
  });

  it('answers store_unavailable, not a hang, when the server stops answering mid-conversation', async () => {
    const s = store!;
    await s.ping();
    // SIGSTOP the server and every backend (each runs in a session of its own): open
    // connections stay up but go silent.
    const postmaster = Number(readFileSync(`${dataDir}/postgres/postmaster.pid`, 'utf8').split('\n')[0]);
    const pids = [postmaster, ...childPids(postmaster)];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      expect((await failure(s.ping())).code).toBe('store_unavailable');
      expect((await failure(s.withTransaction((tx) => tx.runs.listActive()))).code).toBe('store_unavailable');
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await until(() => s.ping());
  });

  it('does not hang opening a store whose server accepts connections and never speaks', async () => {
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const error = await failure(
      openStore({ databaseUrl: `postgresql://recio@127.0.0.1:${port}/recio`, dataDir, connectTimeoutMs: 300 }),
    );
    expect(error.code).toBe('store_unavailable');
  });
});

/** Retries until the call succeeds; the test's own timeout bounds it. */
async function until(call: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await call();
      return;
    } catch {
      await sleep(100);
    }
  }
}
