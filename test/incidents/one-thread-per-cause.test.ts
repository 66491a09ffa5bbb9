import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IncidentDesk } from '@recio/bot/incidents/desk';
import type { Failure } from '@recio/bot/incidents/failure';
import type { Store } from '@recio/bot/store/index';
import { startBackend, type TestBackend } from '../store/support/backends.js';
import { silentLogger } from '../support/monitor-fixture.js';

/**
 * The incident desk with the default topology (REC.IO's graph) over a real store: symptoms join
 * their cause's open incident, and a cause seen after its symptoms takes their incidents in. The
 * desk's other deps (access, runs) are not reached by reportFailure.
 */
let backend: TestBackend;
let store: Store;
let desk: IncidentDesk;
const OPS = 'C0OPS';

const program = (subject: string, state = 'FATAL'): Failure => ({
  kind: 'program',
  host: 'app1',
  subject,
  state,
  detail: `${subject} went ${state} on app1`,
});
const dbDown: Failure = {
  kind: 'db',
  host: 'db1',
  subject: 'postgresql',
  state: 'down',
  detail: 'pg_isready: no response',
};

beforeAll(async () => {
  backend = await startBackend('machine');
  store = await backend.open();
  desk = new IncidentDesk({
    store,
    access: {} as never,
    runs: {} as never,
    logger: silentLogger,
    opsChannel: OPS,
  });
});
afterAll(async () => {
  await backend?.teardown();
});

const outboxKeys = async (prefix: string) =>
  (await backend.sql(`SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE $1 ORDER BY id`, [`${prefix}%`])).map(
    (r) => (r as { dedupe_key: string }).dedupe_key,
  );

describe('one thread per cause', () => {
  test(
    'symptoms seen first are merged into the cause: "merged into" in each, the parent lists them, ' + 'one thread left',
    async () => {
      const a = await desk.reportFailure(program('trade_manager', 'EXITED'));
      const b = await desk.reportFailure(program('kalshi_api_watchdog'));
      expect(a.created && b.created).toBe(true);
      const cause = await desk.reportFailure(dbDown);
      expect(cause.created).toBe(true);

      for (const symptom of [a.incident, b.incident]) {
        const after = await store.incidents.get(symptom.id);
        expect(after).toMatchObject({ status: 'resolved', mergedInto: cause.incident.id, resolvedBy: 'monitor' });
        expect(await outboxKeys(`incident:${symptom.id}:merged`)).toEqual([`incident:${symptom.id}:merged`]);
      }
      expect((await store.incidents.listUnresolved()).map((i) => i.fingerprint)).toEqual(['db:db1']);
      const parent = await store.incidents.get(cause.incident.id);
      expect(parent?.symptoms).toEqual(['trade_manager on app1', 'kalshi_api_watchdog on app1']);
      expect(await outboxKeys(`incident:${cause.incident.id}:symptom:`)).toEqual([
        `incident:${cause.incident.id}:symptom:program:app1/trade_manager`,
        `incident:${cause.incident.id}:symptom:program:app1/kalshi_api_watchdog`,
      ]);
    },
  );

  test(
    'a symptom of the open cause joins it: a timeline entry each time, one reply per program, no ' + 'incident',
    async () => {
      const cause = (await store.incidents.findUnresolved('db:db1'))!;
      for (const state of ['EXITED', 'BACKOFF', 'FATAL']) {
        const joined = await desk.reportFailure(program('trade_executor', state));
        expect(joined).toMatchObject({ created: false, incident: { id: cause.id } });
      }
      // trade_manager again (merged earlier): still no second reply for it.
      await desk.reportFailure(program('trade_manager'));
      expect(await store.incidents.findUnresolved('program:app1/trade_executor')).toBeUndefined();
      expect((await store.incidents.listUnresolved()).map((i) => i.fingerprint)).toEqual(['db:db1']);
      expect(await outboxKeys(`incident:${cause.id}:symptom:program:app1/trade_executor`)).toHaveLength(1);
      expect(await outboxKeys(`incident:${cause.id}:symptom:program:app1/trade_manager`)).toHaveLength(1);
      const events = await store.timeline.list({ incidentId: cause.id });
      expect(events.filter((e) => e.kind === 'symptom' && e.text.includes('trade_executor'))).toHaveLength(3);
      expect((await store.incidents.get(cause.id))?.symptoms).toContain('trade_executor on app1');
    },
  );

  test('a failure that is no symptom of the open cause (a provider) opens its own incident', async () => {
    const provider = await desk.reportFailure({
      kind: 'provider',
      subject: 'kalshi',
      state: '503',
      detail: 'kalshi health endpoint: HTTP 503',
    });
    expect(provider).toMatchObject({ created: true, incident: { fingerprint: 'provider:kalshi' } });
  });

  test('a merge of an incident already resolved does nothing', async () => {
    const cause = (await store.incidents.findUnresolved('db:db1'))!;
    const merged = (await store.incidents.listRecent(50)).find((i) => i.mergedInto === cause.id)!;
    const before = await outboxKeys(`incident:${merged.id}`);
    const { CauseLinks } = await import('@recio/bot/incidents/causes');
    const links = new CauseLinks({ store, topology: desk.topology });
    expect(await links.merge(merged, cause)).toBe(false);
    expect(await outboxKeys(`incident:${merged.id}`)).toEqual(before);
  });
});

describe('recovery is seen, and nothing is silent', () => {
  let quiet: IncidentDesk;
  beforeAll(() => {
    quiet = new IncidentDesk({
      store,
      access: {} as never,
      runs: {} as never,
      logger: silentLogger,
      opsChannel: OPS,
      quietMs: 60_000,
    });
  });

  test(
    'healthy again: "recovered at T, after N min" in the thread and on the parent; failing again ' +
      'clears it with a visible reply',
    async () => {
      const { incident } = await quiet.reportFailure({
        kind: 'backup',
        host: 'db1',
        subject: 'backup',
        state: '30h',
        detail: 'newest dump 30h old',
      });
      await quiet.reportHealthy(incident.fingerprint, 'newest dump 1h old');
      const recovered = (await store.incidents.get(incident.id))!;
      expect(recovered.recoveredAt).toBeInstanceOf(Date);
      const [row] = await backend.sql<{ text: string }>(
        `SELECT payload->>'text' AS text FROM outbox WHERE dedupe_key LIKE $1 AND kind = 'post'`,
        [`incident:${incident.id}:recovered:%`],
      );
      expect(row?.text).toMatch(
        /^:white_check_mark: Recovered at \d\d:\d\d:\d\d UTC, after 0 min: newest dump 1h old$/,
      );
      // Healthy twice: told once.
      await quiet.reportHealthy(incident.fingerprint, 'newest dump 1h old');
      expect(await outboxKeys(`incident:${incident.id}:recovered:`)).toHaveLength(1);

      await quiet.reportFailure({
        kind: 'backup',
        host: 'db1',
        subject: 'backup',
        state: '31h',
        detail: 'newest dump 31h old',
      });
      expect((await store.incidents.get(incident.id))?.recoveredAt).toBeNull();
      const [again] = await backend.sql<{ text: string; thread_of: string }>(
        `SELECT payload->>'text' AS text, thread_of FROM outbox WHERE dedupe_key = $1`,
        [`incident:${incident.id}:seen:2`],
      );
      expect(again).toEqual({
        text: ':repeat: Seen again (2×): newest dump 31h old',
        thread_of: `incident:${incident.id}:post`,
      });
      expect(await outboxKeys(`incident:${incident.id}:post:seen:2`)).toHaveLength(1);
    },
  );

  test(
    'untouched and quiet for the quiet period: resolved by itself, with a report that says so; ' + 'touched: not',
    async () => {
      const untouched = (await store.incidents.findUnresolved('backup:db1'))!;
      await quiet.reportHealthy(untouched.fingerprint, 'newest dump 1h old');
      const touched = await quiet.reportFailure({
        kind: 'provider',
        subject: 'coinbase',
        state: '503',
        detail: 'HTTP 503',
      });
      await store.timeline.add({
        incidentId: touched.incident.id,
        actor: 'U0ALICE',
        kind: 'message',
        text: 'looking',
        detail: {},
      });
      await quiet.reportHealthy(touched.incident.fingerprint, 'coinbase healthy');

      expect(await quiet.resolveQuiet(new Date(Date.now() + 30_000))).toEqual([]);
      const resolved = await quiet.resolveQuiet(new Date(Date.now() + 61_000));
      expect(resolved).toEqual([untouched.id]);
      const after = (await store.incidents.get(untouched.id))!;
      expect(after).toMatchObject({ status: 'resolved', resolvedBy: 'monitor' });
      expect(after.report).toContain('**Resolved by itself**: the probes stayed healthy for');
      expect(after.report).toMatch(/Recovered at .* UTC, after \d+ min\./);
      expect(await outboxKeys(`incident:${untouched.id}:post:report:`)).toHaveLength(1);
      expect((await store.incidents.get(touched.incident.id))?.status).toBe('open');
      // Twice: nothing more.
      expect(await quiet.resolveQuiet(new Date(Date.now() + 120_000))).toEqual([]);
    },
  );
});

describe('closing: /recio incident close and Resolve are one path', () => {
  const LEAD = 'U0LEAD0001';
  const lead = { id: LEAD, roles: ['lead_operator' as const] };
  const origin = (key: string) => ({ surface: 'slack' as const, channel: OPS, deliveryKey: key, requestId: key });
  const resolvedMetrics: Array<[string, boolean]> = [];
  let closing: IncidentDesk;
  beforeAll(async () => {
    const { Access } = await import('@recio/bot/access/access');
    closing = new IncidentDesk({
      store,
      access: new Access({
        store,
        roleMembers: { lead_operator: [LEAD], system_architect: [], security_officer: [] },
        groupsOf: async () => [],
      }),
      runs: {} as never,
      logger: silentLogger,
      opsChannel: OPS,
      onResolved: (how, _seconds, green) => resolvedMetrics.push([how, green]),
    });
  });

  test(
    'a checklist that is not green asks for a reason (too short asks again); with one, the report ' + 'shows it',
    async () => {
      // Leave one open incident in the channel: the earlier tests' are resolved or merged but these two.
      for (const open of await store.incidents.listUnresolved())
        await store.incidents.advance(open.id, 'resolved', 'test-cleanup');
      const { incident } = await closing.reportFailure({
        kind: 'feed',
        host: 'db1',
        subject: 'kalshi',
        state: '900s old',
        detail: 'kalshi feed: newest row 900s old',
      });
      const asked = await closing.close(lead, origin('close-1'));
      expect(asked).toMatchObject({
        type: 'text',
        text: expect.stringContaining('The checklist is not green (it was not run)'),
      });
      expect((await store.incidents.get(incident.id))?.status).toBe('open');
      const short = await closing.close(lead, origin('close-2'), 'ok');
      expect(short).toMatchObject({ text: expect.stringContaining('say why') });
      const refusals = await store.audit.list({ action: 'incident.close_needs_reason' });
      expect(refusals.filter((a) => a.target === `incident:${incident.id}`)).toHaveLength(2);

      const done = await closing.close(
        lead,
        origin('close-3'),
        'Kalshi maintenance window, confirmed by their status page',
      );
      expect(done).toMatchObject({ text: expect.stringMatching(/^Resolved: /) });
      const after = (await store.incidents.get(incident.id))!;
      expect(after).toMatchObject({ status: 'resolved', resolvedBy: LEAD });
      expect(after.report).toContain(
        `**Closed by ${LEAD} closed with the checklist not green (it was not run): ` +
          'Kalshi maintenance window, confirmed by their status page.**',
      );
      expect(await outboxKeys(`incident:${incident.id}:post:report:`)).toHaveLength(1);
      expect(resolvedMetrics).toEqual([['person', false]]);
      // The same path again: already resolved, nothing more.
      expect(await closing.resolve(incident.id, lead, origin('close-4'), 'again')).toMatchObject({
        text: expect.stringContaining('Already resolved'),
      });
      expect(resolvedMetrics).toHaveLength(1);
    },
  );
});
