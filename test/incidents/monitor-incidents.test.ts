import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALICE, BOB, CAROL, MALLORY, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { deskAndMonitor, until } from '../support/monitor-fixture.js';
import type { IncidentDesk } from '@recio/bot/incidents/desk';
import type { Monitor } from '@recio/bot/monitor/monitor';

let f: EngineFixture;
let desk: IncidentDesk;
let monitor: Monitor;

beforeAll(async () => {
  f = await startEngineFixture();
  // Fresh feeds and a dump, so only the faults a test makes show up.
  await f.recio.query(
    "INSERT INTO btc_price_log (price) VALUES (97000); INSERT INTO kalshi_market_snapshots (market) VALUES ('KXBTC')",
  );
  await f.hosts.run('db1', { action: 'backup.create', params: {} });
  ({ desk, monitor } = deskAndMonitor(f));
  await monitor.start();
  await until('the monitor leading', async () => (monitor.isLeader ? true : undefined));
});
afterAll(async () => {
  await monitor?.close();
  await f?.stop();
});

const incidentFor = (fingerprint: string) =>
  until(`incident ${fingerprint}`, () => f.store.incidents.findUnresolved(fingerprint));

describe('automatic incidents', () => {
  test(
    'a crash-looping program opens one incident with the service-crash runbook; ' + 'ten flaps are still one',
    async () => {
      await f.host.supervisor.setMode('trade_executor', 'crash');
      try {
        await f.hosts.run('db1', { action: 'service.restart', params: { service: 'trade_executor', waitSeconds: 15 } });
        const incident = await incidentFor('program:db1/trade_executor');
        expect(incident).toMatchObject({
          scenario: 'service-crash',
          severity: 'sev1',
          channel: 'COPS00001',
          openedBy: 'monitor',
          detail: { value: 'trade_executor' },
        });
        expect(await f.store.outbox.getByDedupeKey(`incident:${incident.id}:post`)).toMatchObject({
          kind: 'post',
          channel: 'COPS00001',
        });

        for (let flap = 0; flap < 10; flap++) {
          await monitor.observe({
            ok: true,
            failure: { kind: 'program', host: 'db1', subject: 'trade_executor', state: 'RUNNING', detail: 'back' },
          });
          await monitor.observe({
            ok: false,
            failure: { kind: 'program', host: 'db1', subject: 'trade_executor', state: 'FATAL', detail: 'again' },
          });
        }
        // The monitor's own poll and supervisord's events observe the same program meanwhile; one of
        // them may hold the last flap's transition a moment (its release check asks the host first).
        const after = await until('eleven occurrences', async () => {
          const now = await f.store.incidents.findUnresolved('program:db1/trade_executor');
          return now !== undefined && now.occurrences >= 11 ? now : undefined;
        });
        expect(after.id).toBe(incident.id);
        const all = (await f.store.incidents.listRecent(50)).filter(
          (i) => i.fingerprint === 'program:db1/trade_executor',
        );
        expect(all).toHaveLength(1);
      } finally {
        // The next test recovers it: a failure here must not leave it crashing for that one.
        await f.host.supervisor.setMode('trade_executor', 'ok');
      }
    },
  );

  test('recovery from the thread, the checklist green, Resolve offered, resolved with a report in order', async () => {
    const incident = await incidentFor('program:db1/trade_executor');
    await f.store.incidents.setThread(incident.id, 'COPS00001', '1732600000.000100');
    const denied = await desk.runRecovery(incident.id, await f.actor(MALLORY), f.origin('inc-mallory'));
    expect(denied.type).toBe('denied');
    // Another restart of trade_executor holds its lock, so the run is still in flight when the second
    // click comes, however fast the host is; the click joins it.
    const holder = { host: 'db1', service: 'trade_executor', owner: 'the test (another restart)' };
    expect((await f.store.locks.acquire({ ...holder, leaseMs: 120_000 })).acquired).toBe(true);
    const recovery = await desk.runRecovery(incident.id, await f.actor(ALICE), f.origin('inc-run'));
    const again = await desk.runRecovery(incident.id, await f.actor(ALICE), f.origin('inc-run-double'));
    expect(await f.store.locks.release(holder.host, holder.service, holder.owner)).toBe(true);
    if (recovery.type !== 'run' || again.type !== 'run') throw new Error('expected runs');
    expect(again.run.id).toBe(recovery.run.id);
    expect(recovery.run).toMatchObject({
      incidentId: incident.id,
      threadTs: '1732600000.000100',
      scenario: 'service-crash',
    });
    expect((await recovery.done).state).toBe('succeeded');
    expect((await f.store.incidents.get(incident.id))?.status).toBe('acknowledged');

    await until('the monitor seeing it healthy', async () =>
      (await f.store.timeline.list({ incidentId: incident.id })).some((e) => e.kind === 'probe_healthy')
        ? true
        : undefined,
    );
    // REC.IO's feeds write all the time; the fixture's rows are from beforeAll, and on a loaded machine
    // the tests before this one can take longer than the feeds' 60 s freshness: write them now.
    await f.recio.query(
      "INSERT INTO btc_price_log (price) VALUES (97000); INSERT INTO kalshi_market_snapshots (market) VALUES ('KXBTC')",
    );
    const checklist = await desk.openChecklist(incident.id, await f.actor(ALICE), f.origin('inc-check'));
    if (checklist.type !== 'run') throw new Error('expected the checklist run');
    const trades = await until('the trades item waiting', async () =>
      (await f.store.runs.steps(checklist.run.id)).find(
        (s) => s.action === 'check.manual' && s.state === 'awaiting_approval',
      ),
    );
    await f.ops.confirmStep(trades.id, await f.actor(BOB), f.origin('inc-trades'));
    await until(
      'mitigated',
      async () => ((await f.store.incidents.get(incident.id))?.status === 'mitigated' ? true : undefined),
      undefined,
      async () => {
        const steps = await f.store.runs.steps(checklist.run.id);
        const events = await f.store.timeline.list({ incidentId: incident.id });
        return [
          `checklist ${(await f.store.runs.get(checklist.run.id))?.state}`,
          ...steps.map((s) => `${s.title}: ${s.state} ${s.outcome} ${JSON.stringify(s.result).slice(0, 300)}`),
          `events: ${events.map((e) => e.kind).join(', ')}`,
        ].join('\n');
      },
    );

    const architect = await desk.resolve(incident.id, await f.actor(CAROL), f.origin('inc-carol-resolve'));
    expect(architect.type).toBe('denied');
    const resolved = await desk.resolve(incident.id, await f.actor(ALICE), f.origin('inc-resolve'));
    expect(resolved).toMatchObject({
      type: 'text',
      text: expect.stringMatching(/^Resolved: .* Time to acknowledge .*, to mitigate .*, to resolve /),
    });
    const done = await f.store.incidents.get(incident.id);
    expect(done).toMatchObject({ status: 'resolved', resolvedBy: ALICE });
    const report = done!.report!;
    const timeline = report.slice(report.indexOf('## Timeline'), report.indexOf('## Actions'));
    const order = [
      'Opened: trade_executor',
      'Acknowledged by',
      'Service crash (trade_executor) requested',
      'Restart trade_executor: ok',
      'Recovery Verification Checklist requested',
      'Trades can be placed and confirmed: confirmed',
      'Mitigated by monitor',
      `Resolved by ${ALICE}`,
    ];
    const positions = order.map((needle) => timeline.indexOf(needle));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(report).toContain('| Time to acknowledge | Time to mitigate | Time to resolve |');
    expect(report).toMatch(/- \[x\] Trades can be placed and confirmed/);
    expect(await f.store.outbox.getByDedupeKey(`incident:${incident.id}:post:resolved`)).toBeDefined();

    const rootCause = await desk.setRootCause(
      incident.id,
      'A bad config push made trade_executor exit at start.',
      '- Validate config in CI',
      await f.actor(CAROL),
      f.origin('inc-rc'),
    );
    expect(rootCause.type).toBe('text');
    expect((await f.store.incidents.get(incident.id))?.report).toContain(
      'A bad config push made trade_executor exit at start.',
    );
  });

  test('a provider answering 503 opens a provider-outage incident; its stale feed is not a second one', async () => {
    f.kalshi.status = 503;
    try {
      const incident = await incidentFor('provider:kalshi');
      expect(incident).toMatchObject({ scenario: 'provider-outage', title: 'kalshi API unhealthy (503)' });
      // The outage freezes the Kalshi snapshots: the feed goes stale while the provider is down.
      await f.recio.query("INSERT INTO kalshi_market_snapshots (ts, market) VALUES (now() - interval '1 hour', 'old')");
      await f.recio.query("DELETE FROM kalshi_market_snapshots WHERE ts > now() - interval '30 minutes'");
      await monitor.probeOnce();
      await monitor.probeOnce();
      expect(await f.store.incidents.findUnresolved('feed:kalshi')).toBeUndefined();
    } finally {
      f.kalshi.status = 200;
    }
  });

  test("a secret in a program's log never reaches the report", async () => {
    const incident = await incidentFor('provider:kalshi');
    const secrets = ['xoxb-123456789012-abcdefghijkl', 'hunter2-secret-pw', 'AKIAABCDEFGHIJKLMNOP'];
    await f.store.timeline.add({
      incidentId: incident.id,
      actor: ALICE,
      kind: 'message',
      text: `pasted: DATABASE_URL=postgres://rec:${secrets[1]}@db/rec token ${secrets[0]} ${secrets[2]}`,
    });
    const report = await desk.writeReport(incident.id);
    for (const secret of secrets) expect(report).not.toContain(secret);
    expect(report).toContain('[redacted');
  });
});
