import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReleaseWatch } from '@recio/bot/monitor/release-watch';
import { openStore, type Store } from '@recio/bot/store/index';
import { ownedTempDir } from '../support/leftovers.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';

const GOOD = { commit: 'a'.repeat(40), tag: 'v2.4.0' };
const BAD = { commit: 'b'.repeat(40), tag: 'v2.5.0' };
const WORSE = { commit: 'c'.repeat(40), tag: 'v2.5.1' };
const failing = new Set(['trade_manager', 'trade_executor']);
const none = new Set<string>();

/** The release watch keeps what it saw in the store (deploy_history, release_faults): a real database. */
let db: TestDatabase;
let dir: string;
const stores: Store[] = [];
let hostNo = 0;

async function aStore(): Promise<Store> {
  const store = await openStore({ databaseUrl: db.url, dataDir: dir });
  stores.push(store);
  return store;
}
/** Each test its own host: the history is per host. */
const aHost = () => `app${++hostNo}`;

beforeAll(async () => {
  db = await createTestDatabase('recio_release');
  dir = await ownedTempDir('release-watch');
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('ReleaseWatch', () => {
  test('programs failing after the head changed are the release, the tag it replaced the last good one', async () => {
    const watch = new ReleaseWatch((await aStore()).deployHistory);
    const host = aHost();
    expect(await watch.observe(host, GOOD, none, 0, true)).toBeUndefined();
    const seen = await watch.observe(host, BAD, failing, 1_000, false);
    expect(seen).toMatchObject({ ok: false, failure: { kind: 'release', subject: 'v2.5.0', lastGoodTag: 'v2.4.0' } });
  });

  test(
    'between crash-loop retries (STARTING: neither failing nor running) nothing is said; ' +
      'every program RUNNING is said once',
    async () => {
      const watch = new ReleaseWatch((await aStore()).deployHistory);
      const host = aHost();
      await watch.observe(host, GOOD, none, 0, true);
      await watch.observe(host, BAD, failing, 1_000, false);
      expect(await watch.observe(host, BAD, none, 2_000, false)).toBeUndefined();
      expect(await watch.observe(host, GOOD, none, 3_000, true)).toMatchObject({
        ok: true,
        failure: { kind: 'release', subject: 'v2.5.0', state: 'recovered' },
      });
      expect(await watch.observe(host, GOOD, none, 4_000, true)).toBeUndefined();
    },
  );

  test(
    'a rollback under way (new head, programs still failing) stays the open release fault: ' +
      'never a second one naming the bad tag as good',
    async () => {
      const watch = new ReleaseWatch((await aStore()).deployHistory);
      const host = aHost();
      await watch.observe(host, GOOD, none, 0, true);
      await watch.observe(host, BAD, failing, 1_000, false);
      const during = await watch.observe(host, GOOD, failing, 2_000, false);
      expect(during).toMatchObject({ ok: false, failure: { subject: 'v2.5.0', lastGoodTag: 'v2.4.0' } });
    },
  );

  test('failures long after a deploy are not the release', async () => {
    const watch = new ReleaseWatch((await aStore()).deployHistory);
    const host = aHost();
    await watch.observe(host, GOOD, none, 0, true);
    await watch.observe(host, BAD, none, 1_000, true);
    expect(await watch.observe(host, BAD, failing, 1_000 + 16 * 60_000, false)).toBeUndefined();
  });

  test('the first head ever seen is not a deploy: failures with it are not the release', async () => {
    const watch = new ReleaseWatch((await aStore()).deployHistory);
    expect(await watch.observe(aHost(), BAD, failing, 0, false)).toBeUndefined();
  });

  test('a bot restarted after a bad deploy (a new process, same store) names the good release it saw', async () => {
    const host = aHost();
    const before = new ReleaseWatch((await aStore()).deployHistory);
    await before.observe(host, GOOD, none, 0, true);
    // The bot is down while BAD is deployed; the new one has never seen GOOD itself.
    const after = new ReleaseWatch((await aStore()).deployHistory);
    expect(await after.observe(host, BAD, failing, 60_000, false)).toMatchObject({
      ok: false,
      failure: { kind: 'release', subject: 'v2.5.0', lastGoodTag: 'v2.4.0' },
    });
  });

  test(
    'a leader change during the rollback: the new leader takes the new head for the rollback of the open fault, ' +
      'and says recovered once',
    async () => {
      const host = aHost();
      const leader = new ReleaseWatch((await aStore()).deployHistory);
      await leader.observe(host, GOOD, none, 0, true);
      await leader.observe(host, BAD, failing, 1_000, false);
      const next = new ReleaseWatch((await aStore()).deployHistory);
      expect(await next.observe(host, GOOD, failing, 2_000, false)).toMatchObject({
        ok: false,
        failure: { subject: 'v2.5.0', lastGoodTag: 'v2.4.0' },
      });
      expect(await next.observe(host, GOOD, none, 3_000, true)).toMatchObject({
        ok: true,
        failure: { state: 'recovered' },
      });
      expect(await leader.observe(host, GOOD, none, 4_000, true)).toBeUndefined();
    },
  );

  test('two deploys in a row: the last good tag is the one every program ran with, not the one replaced', async () => {
    const watch = new ReleaseWatch((await aStore()).deployHistory);
    const host = aHost();
    await watch.observe(host, GOOD, none, 0, true);
    // BAD never ran (its programs were still STARTING) before WORSE replaced it.
    await watch.observe(host, BAD, none, 1_000, false);
    expect(await watch.observe(host, WORSE, failing, 2_000, false)).toMatchObject({
      ok: false,
      failure: { subject: 'v2.5.1', lastGoodTag: 'v2.4.0' },
    });
  });

  test('two replicas recording the same new head at once make one history row', async () => {
    const host = aHost();
    const [a, b] = [(await aStore()).deployHistory, (await aStore()).deployHistory];
    await a.observe(host, GOOD, true, new Date(0));
    const [x, y] = await Promise.all([
      a.observe(host, BAD, false, new Date(1_000)),
      b.observe(host, BAD, false, new Date(1_000)),
    ]);
    expect(x.changedAt).toEqual(y.changedAt);
    const rows = await db.query(`SELECT commit FROM deploy_history WHERE host = '${host}' ORDER BY id`);
    expect(rows.rows.map((r: { commit: string }) => r.commit)).toEqual([GOOD.commit, BAD.commit]);
  });
});
