import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openStore, type Store } from '@recio/bot/store/index';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { until } from '../support/monitor-fixture.js';
import { ownedTempDir } from '../support/leftovers.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/leader-child.mjs');
let db: TestDatabase;
let dir: string;
let store: Store;
let child: ResultPromise | undefined;

beforeAll(async () => {
  db = await createTestDatabase('recio_leader');
  dir = await ownedTempDir('leader');
  store = await openStore({ databaseUrl: db.url, dataDir: dir });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await store?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('one monitor leads; when its process is killed another takes over at its next try', async () => {
  const lines: string[] = [];
  child = execa(process.execPath, [CHILD], { env: { ...process.env, DATABASE_URL: db.url }, reject: false });
  child.stdout?.on('data', (data: Buffer) =>
    lines.push(
      ...data
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    ),
  );
  await until('the child leading', async () => (lines.includes('leader') ? true : undefined));

  const intervalMs = 1_000;
  let attempts = 0;
  const countAttempt = () => {
    attempts += 1;
  };
  const here = await store.leadership('monitor', { retryMs: intervalMs, onAttempt: countAttempt });
  // While the other process lives, this one stands by, however many times it tries.
  await until('three tries while the child leads', async () => (attempts >= 3 ? true : undefined));
  expect(here.isLeader()).toBe(false);

  child.kill('SIGKILL');
  await child;
  // PostgreSQL ends the dead client's backend, and with it the lock, once it reads the closed socket.
  await until("the killed leader's backend gone", async () => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'recio:leader'`,
    );
    return (rows[0] as { n: number }).n === 1 ? true : undefined;
  });
  const triesBefore = attempts;
  await here.whenLeader();
  expect(here.isLeader()).toBe(true);
  // Counted in tries, not time: the one in flight when the lock went, then the next one wins.
  expect(attempts - triesBefore).toBeLessThanOrEqual(2);
});
