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

test('one monitor leads; when its process is killed another takes over within two intervals', async () => {
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
  const here = await store.leadership('monitor', { retryMs: intervalMs });
  // While the other process lives, this one stands by, however long it tries.
  await new Promise((r) => setTimeout(r, intervalMs * 3));
  expect(here.isLeader()).toBe(false);

  child.kill('SIGKILL');
  await child;
  const killedAt = Date.now();
  await here.whenLeader();
  expect(here.isLeader()).toBe(true);
  // "Within two intervals": the next attempt after the kill wins (checked as a count of attempts, not a speed).
  expect(Math.floor((Date.now() - killedAt) / intervalMs)).toBeLessThanOrEqual(2);
});
