import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { DELIVERY_KEEP_MS, pruneDeliveries, startSchedules } from '@recio/bot/scheduler/schedules';
import { silentLogger } from '@recio/bot/store/logger';
import type { Store } from '@recio/bot/store/index';
import { startBackend, type TestBackend } from './support/backends.js';
import { EVENT_BOUND_MS } from '../support/bounds.js';

/**
 * The dedupe table is pruned by the scheduler: keys older than a week go, younger ones stay (a
 * Slack retry arrives within minutes, so a kept key still stops it), and only the leader prunes.
 */
let backend: TestBackend;
let store: Store;

beforeAll(async () => {
  backend = await startBackend('machine');
  store = await backend.open();
});
afterAll(async () => {
  await backend?.teardown();
});

const age = (key: string, ms: number) =>
  backend.sql(`UPDATE deliveries SET first_seen_at = now() - $2 * interval '1 millisecond' WHERE key = $1`, [key, ms]);
const keys = async () =>
  (await backend.sql<{ key: string }>('SELECT key FROM deliveries ORDER BY key')).map((r) => r.key);

describe('pruning delivery keys', () => {
  it(
    'forgets keys older than the keep window and keeps the rest, ' + 'so a retry inside it is still a duplicate',
    async () => {
      await store.deliveries.claim('evt:week-old', 'event');
      await store.deliveries.claim('evt:six-days', 'event');
      await store.deliveries.claim('act:fresh', 'action');
      await age('evt:week-old', DELIVERY_KEEP_MS + 3600_000);
      await age('evt:six-days', DELIVERY_KEEP_MS - 24 * 3600_000);
      expect(await pruneDeliveries({ store, logger: silentLogger })).toBe(1);
      expect(await keys()).toEqual(['act:fresh', 'evt:six-days']);
      expect((await store.deliveries.claim('evt:six-days', 'event')).claimed).toBe(false);
      expect(await pruneDeliveries({ store, logger: silentLogger })).toBe(0);
    },
  );

  it('the keep window is far longer than Slack retries (minutes)', () => {
    expect(DELIVERY_KEEP_MS).toBeGreaterThanOrEqual(24 * 3600_000);
  });

  it('runs as a cron job on the leader only', async () => {
    await store.deliveries.claim('evt:stale', 'event');
    await age('evt:stale', DELIVERY_KEEP_MS * 2);
    let leader = false;
    const isLeader = vi.fn(() => leader);
    const never = '0 0 1 1 *';
    const stop = startSchedules(
      { store, ops: undefined as never, logger: silentLogger, isLeader, doctor: async () => [] },
      { backup: never, doctor: never, pruneDeliveries: '* * * * * *' },
    );
    try {
      // Two ticks seen as a follower: the stale key is still there.
      await vi.waitFor(() => expect(isLeader.mock.calls.length).toBeGreaterThanOrEqual(2), {
        timeout: EVENT_BOUND_MS,
        interval: 50,
      });
      expect(await keys()).toContain('evt:stale');
      leader = true;
      await vi.waitFor(async () => expect(await keys()).not.toContain('evt:stale'), {
        timeout: EVENT_BOUND_MS,
        interval: 100,
      });
    } finally {
      stop();
    }
  });
});

describe('the archive schedules (§2.2, §2.3)', () => {
  it(
    'the daily config archive, the change watch (ifChanged) ' + 'and the weekly history run on the leader only',
    async () => {
      let leader = false;
      const isLeader = vi.fn(() => leader);
      const calls: string[] = [];
      const never = '0 0 1 1 *';
      const everySecond = '* * * * * *';
      const stop = startSchedules(
        {
          store,
          ops: undefined as never,
          logger: silentLogger,
          isLeader,
          doctor: async () => [],
          configArchive: async (ifChanged) => void calls.push(ifChanged ? 'config-watch' : 'config-daily'),
          historyArchive: async () => void calls.push('history'),
        },
        {
          backup: never,
          doctor: never,
          pruneDeliveries: never,
          configArchive: everySecond,
          configWatch: everySecond,
          historyArchive: everySecond,
        },
      );
      try {
        // A follower's ticks (each job asks who leads) do nothing; once it leads, each runs with its own argument.
        await vi.waitFor(() => expect(isLeader.mock.calls.length).toBeGreaterThanOrEqual(6), {
          timeout: EVENT_BOUND_MS,
          interval: 50,
        });
        expect(calls).toEqual([]);
        leader = true;
        await vi.waitFor(() => expect(new Set(calls)).toEqual(new Set(['config-daily', 'config-watch', 'history'])), {
          timeout: EVENT_BOUND_MS,
          interval: 100,
        });
      } finally {
        stop();
      }
    },
  );
});
