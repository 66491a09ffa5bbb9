import { rm } from 'node:fs/promises';
import { Cron } from 'croner';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '@recio/bot/config';
import { drillReminder } from '@recio/bot/scheduler/drill-reminder';
import { ActionId } from '@recio/bot/slack/ids';
import { renderDrillReminder } from '@recio/bot/slack/views/drill-reminder';
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

test(
  'the quarterly drill reminder: by default the first Monday of each quarter; once a day; ' +
    'it names the last drill and the next in turn, with the Start a drill button; none without an ops channel',
  async () => {
    const runs = new Cron(loadConfig({}).env.RECIO_DRILL_CRON, { paused: true }).nextRuns(
      4,
      new Date('2026-12-03T00:00:00'),
    );
    expect(runs.map((d) => [d.getMonth() + 1, d.getDay(), d.getDate() <= 7])).toEqual([
      [1, 1, true],
      [4, 1, true],
      [7, 1, true],
      [10, 1, true],
    ]);
    expect(await drillReminder({ store }, new Date('2027-01-04T09:00:00Z'))).toEqual({ posted: false });
    const first = new Date('2027-01-04T09:00:00Z');
    expect(await drillReminder({ store, opsChannel: 'COPS00001' }, first)).toEqual({
      posted: true,
      next: 'postgres-failure',
    });
    expect(await drillReminder({ store, opsChannel: 'COPS00001' }, first)).toMatchObject({ posted: false });
    const post = await store.outbox.getByDedupeKey('drill-reminder:2027-01-04');
    expect(post?.payload.event).toEqual({ type: 'drill_reminder', lastDrill: 'never', next: 'postgres-failure' });
    const view = renderDrillReminder(post!.payload.event as { lastDrill: string; next: string });
    expect(JSON.stringify(view.blocks)).toContain(`"action_id":"${ActionId.startDrill}"`);

    await store.incidents.openOrJoin({
      fingerprint: 'drill:quarter',
      kind: 'drill',
      title: 'Drill: provider-outage (503) on sbx',
      severity: 'sev4',
      openedBy: 'U0ALICE0001',
      scenario: null,
      detail: { scenario: 'provider-outage' },
    });
    const later = new Date(Date.now() + 3 * 86_400_000);
    expect(await drillReminder({ store, opsChannel: 'COPS00001' }, later)).toEqual({
      posted: true,
      next: 'bad-release',
    });
    const next = await store.outbox.getByDedupeKey(`drill-reminder:${later.toISOString().slice(0, 10)}`);
    expect((next!.payload.event as { lastDrill: string }).lastDrill).toMatch(
      /^\d{4}-\d\d-\d\d \(provider-outage\), 3 day\(s\) ago$/,
    );
  },
);
