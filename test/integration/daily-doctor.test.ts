import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fail, pass, type CheckResult } from '@recio/bot/doctor/check';
import { dailyDoctor, newlyFailing } from '@recio/bot/scheduler/schedules';
import { openStore, type Store } from '@recio/bot/store/index';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { ownedTempDir } from '../support/leftovers.js';

let db: TestDatabase;
let dir: string;
let store: Store;

beforeAll(async () => {
  db = await createTestDatabase('recio_daily');
  dir = await ownedTempDir('daily');
  store = await openStore({ databaseUrl: db.url, dataDir: dir });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('newlyFailing keeps only what was passing before', () => {
  expect(newlyFailing(['a', 'b'], ['b', 'c'])).toEqual(['a']);
});

test('the daily check posts to the ops channel only when something changed for the worse', async () => {
  let results: CheckResult[] = [pass('store', 'ok'), pass('host db1', 'ok')];
  const deps = {
    store,
    ops: undefined as never,
    opsChannel: 'COPS00001',
    logger: console,
    isLeader: () => true,
    doctor: async () => results,
  };
  expect(await dailyDoctor(deps, new Date('2026-11-26T07:30:00Z'))).toEqual({ posted: false, worse: [] });
  results = [pass('store', 'ok'), fail('host db1', 'host key mismatch', 're-pin')];
  expect(await dailyDoctor(deps, new Date('2026-11-27T07:30:00Z'))).toEqual({ posted: true, worse: ['host db1'] });
  const post = await store.outbox.getByDedupeKey('doctor:2026-11-27T07');
  expect(post?.payload.text).toContain('host db1');
  // Still broken the next day: nothing new to tell.
  expect(await dailyDoctor(deps, new Date('2026-11-28T07:30:00Z'))).toEqual({ posted: false, worse: [] });
  expect(await store.outbox.getByDedupeKey('doctor:2026-11-28T07')).toBeUndefined();
});
