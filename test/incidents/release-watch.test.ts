import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Hosts } from '@recio/bot/hosts/fleet-hosts';
import type { ProbeContext } from '@recio/bot/monitor/probes';
import { RELEASE_SETTLE_SECONDS, ReleaseCheck } from '@recio/bot/monitor/release-check';
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

/**
 * A host as the release check reads it: what supervisord says of each program (state, uptime) and
 * what is checked out. The check's judgement of "running" is what is tested; the agent's own
 * answers are tested against a real supervisord in host-path.test.ts.
 */
function aFakeHost(name: string) {
  const now = { head: GOOD as { commit: string; tag: string }, state: 'RUNNING', uptimeSeconds: 600 as number | null };
  const services = ['trade_manager', 'trade_executor'];
  const hosts = {
    async run(host: string, request: { action: string }) {
      if (host !== name) throw new Error(`asked about ${host}`);
      const data =
        request.action === 'deploy.current'
          ? now.head
          : {
              programs: services.map((p) => ({
                name: p,
                state: now.state,
                description: '',
                uptimeSeconds: now.state === 'RUNNING' ? now.uptimeSeconds : null,
              })),
            };
      return { ok: true, data };
    },
  } as unknown as Hosts;
  const ctx: ProbeContext = {
    hosts,
    withRole: () => [name],
    checks: { providers: {}, httpTimeoutMs: 1_000 },
    services,
    feedMaxAgeSeconds: {},
    backupMaxAgeSeconds: 3600,
    deadlineMs: 5_000,
  };
  return { now, ctx };
}

describe('ReleaseCheck', () => {
  /** A bad release that crash-loops past startsecs, then its rollback: what the monitor says at each round. */
  async function crashLoopThenRollback(settleSeconds: number) {
    const host = aHost();
    const check = new ReleaseCheck(new ReleaseWatch((await aStore()).deployHistory), settleSeconds);
    const { now, ctx } = aFakeHost(host);
    const said = [];
    said.push((await check.check(ctx, host)).release);
    Object.assign(now, { head: BAD, state: 'BACKOFF' });
    said.push((await check.check(ctx, host)).release);
    // Between two crashes every program has outlived startsecs: supervisord says RUNNING, up 3 s.
    Object.assign(now, { state: 'RUNNING', uptimeSeconds: 3 });
    said.push((await check.check(ctx, host)).release);
    // The rollback checked GOOD out; its restart has not happened yet, the programs crash again.
    Object.assign(now, { head: GOOD, state: 'BACKOFF' });
    said.push((await check.check(ctx, host)).release);
    return { said, now, check, ctx, host };
  }

  test(
    'a release whose programs show RUNNING between crashes is neither good nor recovered: ' +
      'its rollback stays the one fault, back to the tag every program ran with',
    async () => {
      const { said, now, check, ctx, host } = await crashLoopThenRollback(RELEASE_SETTLE_SECONDS);
      expect(said[0]).toBeUndefined();
      expect(said[1]).toMatchObject({ ok: false, failure: { subject: 'v2.5.0', lastGoodTag: 'v2.4.0' } });
      expect(said[2]).toBeUndefined();
      expect(said[3]).toMatchObject({ ok: false, failure: { subject: 'v2.5.0', lastGoodTag: 'v2.4.0' } });
      // Up, but not yet for the settle time: still not recovered; once it is, recovered once.
      Object.assign(now, { state: 'RUNNING', uptimeSeconds: RELEASE_SETTLE_SECONDS - 1 });
      expect((await check.check(ctx, host)).release).toBeUndefined();
      now.uptimeSeconds = RELEASE_SETTLE_SECONDS;
      expect((await check.check(ctx, host)).release).toMatchObject({ ok: true, failure: { state: 'recovered' } });
    },
  );

  test('without the settle time the same rounds say recovered, then name the bad release as the good one', async () => {
    const { said } = await crashLoopThenRollback(0);
    expect(said[2]).toMatchObject({ ok: true, failure: { subject: 'v2.5.0', state: 'recovered' } });
    expect(said[3]).toMatchObject({ ok: false, failure: { subject: 'v2.4.0', lastGoodTag: 'v2.5.0' } });
  });

  test('a program whose uptime supervisord does not give is not counted as running', async () => {
    const host = aHost();
    const check = new ReleaseCheck(new ReleaseWatch((await aStore()).deployHistory), RELEASE_SETTLE_SECONDS);
    const { now, ctx } = aFakeHost(host);
    await check.check(ctx, host);
    Object.assign(now, { head: BAD, state: 'BACKOFF' });
    await check.check(ctx, host);
    Object.assign(now, { state: 'RUNNING', uptimeSeconds: null });
    expect((await check.check(ctx, host)).release).toBeUndefined();
  });
});
