import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenIncidentInput, Store } from '@recio/bot/store/index';
import { BACKENDS, startBackend, type TestBackend } from './support/backends.js';

const dbDown = (fingerprint: string): OpenIncidentInput => ({
  fingerprint,
  kind: 'incident',
  title: 'PostgreSQL refuses connections on db1',
  severity: 'sev1',
  openedBy: 'monitor',
  scenario: 'postgres-failure',
  channel: 'C0INC',
});

/** Each outbox test starts from an empty queue: earlier rows would hold their channels. */
async function clearQueue(backend: TestBackend): Promise<void> {
  await backend.sql(`UPDATE outbox SET state = 'failed' WHERE state = 'pending'`);
}

describe.each(BACKENDS)('incidents, timeline and outbox (%s PostgreSQL)', (name) => {
  let backend: TestBackend;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    backend = await startBackend(name);
    a = await backend.open();
    b = await backend.open();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it(
    'opens one incident when two replicas see the same fault at once, and a new one after it is ' + 'resolved',
    async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).incidents.openOrJoin(dbDown('pg-down:db1'))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const incident = results[0]!.incident;
      expect(new Set(results.map((r) => r.incident.id))).toEqual(new Set([incident.id]));
      const resolved = await a.incidents.advance(incident.id, 'resolved', 'U0OPS');
      expect(resolved).toMatchObject({ changed: true, incident: { status: 'resolved', resolvedBy: 'U0OPS' } });
      const next = await b.incidents.openOrJoin(dbDown('pg-down:db1'));
      expect(next.created).toBe(true);
      expect(next.incident.id).not.toBe(incident.id);
      expect((await a.incidents.findUnresolved('pg-down:db1'))?.id).toBe(next.incident.id);
    },
  );

  it('moves status forward only, stamping each step on the incident and its timeline', async () => {
    const { incident } = await a.incidents.openOrJoin(dbDown('pg-down:db2'));
    expect((await a.incidents.advance(incident.id, 'acknowledged', 'U0OPS')).incident).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'U0OPS',
    });
    expect((await a.incidents.advance(incident.id, 'mitigated', 'U0OPS')).incident.mitigatedAt).toBeInstanceOf(Date);
    expect(await a.incidents.advance(incident.id, 'acknowledged', 'U0LATE')).toMatchObject({
      changed: false,
      incident: { status: 'mitigated', acknowledgedBy: 'U0OPS' },
    });
    await a.incidents.setThread(incident.id, 'C0INC', '1700000000.000200');
    await a.incidents.setReport(incident.id, '# Report\n\nDB restarted.');
    const { run } = await a.runs.create({
      scenario: 'postgres-failure',
      requestedBy: 'U0OPS',
      incidentId: incident.id,
      steps: [],
    });
    await a.timeline.add({ runId: run.id, actor: 'system', kind: 'run_started', text: 'Run started' });
    const timeline = await a.timeline.list({ incidentId: incident.id });
    expect(timeline.map((e) => e.kind)).toEqual(['opened', 'acknowledged', 'mitigated', 'run_started']);
    expect(await a.incidents.get(incident.id)).toMatchObject({
      threadTs: '1700000000.000200',
      report: '# Report\n\nDB restarted.',
    });
    expect((await a.incidents.listUnresolved()).map((i) => i.id)).toContain(incident.id);
    await expect(a.timeline.add({ actor: 'system', kind: 'note', text: 'belongs nowhere' })).rejects.toThrow();
  });

  it('enqueues a message once per dedupe key and only with the change that causes it', async () => {
    const first = await a.outbox.enqueue({
      dedupeKey: 'run:1:started',
      channel: 'C0OPS',
      kind: 'post',
      payload: { text: 'Run started' },
    });
    const again = await b.outbox.enqueue({
      dedupeKey: 'run:1:started',
      channel: 'C0OPS',
      kind: 'post',
      payload: { text: 'Run started (retry)' },
    });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({
      created: false,
      message: { id: first.message.id, payload: { text: 'Run started' } },
    });
    await expect(
      a.withTransaction(async (tx) => {
        const { run } = await tx.runs.create({
          scenario: 'verify',
          requestedBy: 'U0OPS',
          dedupeKey: 'tx-atomic',
          steps: [],
        });
        await tx.outbox.enqueue({
          dedupeKey: `run:${run.id}:created`,
          channel: 'C0OPS',
          kind: 'post',
          payload: { text: 'created' },
        });
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await a.runs.getByDedupeKey('tx-atomic')).toBeUndefined();
    expect(await backend.sql(`SELECT 1 FROM outbox WHERE payload->>'text' = 'created'`)).toHaveLength(0);
    await a.outbox.enqueue({ dedupeKey: 'drain:1', channel: 'C0OTHER', kind: 'post', payload: { text: 'x' } });
  });

  it('hands each due message to one sender, one per channel in order, and resolves thread and target ts', async () => {
    await clearQueue(backend);
    const root = await a.outbox.enqueue({
      dedupeKey: 'inc:9:root',
      channel: 'C1',
      kind: 'post',
      payload: { text: 'Incident opened' },
    });
    await a.outbox.enqueue({
      dedupeKey: 'inc:9:reply',
      channel: 'C1',
      kind: 'post',
      threadOf: 'inc:9:root',
      payload: { text: 'Runbook' },
    });
    await a.outbox.enqueue({
      dedupeKey: 'inc:9:update:1',
      channel: 'C1',
      kind: 'update',
      updateOf: 'inc:9:root',
      payload: { text: 'Acknowledged' },
    });
    await a.outbox.enqueue({
      dedupeKey: 'inc:9:update:2',
      channel: 'C1',
      kind: 'update',
      updateOf: 'inc:9:root',
      payload: { text: 'Mitigated' },
    });
    await a.outbox.enqueue({ dedupeKey: 'other:1', channel: 'C2', kind: 'post', payload: { text: 'elsewhere' } });
    const [x, y] = await Promise.all([
      a.outbox.claimDue({ limit: 10, leaseMs: 60_000, sender: 'a' }),
      b.outbox.claimDue({ limit: 10, leaseMs: 60_000, sender: 'b' }),
    ]);
    const claimed = [...x, ...y].map((m) => m.dedupeKey).sort();
    expect(claimed).toEqual(['inc:9:root', 'other:1']);
    expect(await a.outbox.claimDue({ limit: 10, leaseMs: 60_000, sender: 'a' })).toEqual([]);
    expect(await a.outbox.markSent(root.message.id, '1700000000.000300')).toBe(true);
    expect(await a.outbox.markSent(root.message.id, '1700000000.000999')).toBe(false);
    const [reply] = await b.outbox.claimDue({ limit: 10, leaseMs: 60_000, sender: 'b' });
    expect(reply).toMatchObject({ dedupeKey: 'inc:9:reply', threadTs: '1700000000.000300', attempts: 1 });
    await b.outbox.markSent(reply!.id, '1700000000.000301');
    // The first update was superseded by the second: only the latest rendering is sent.
    const [update] = await b.outbox.claimDue({ limit: 10, leaseMs: 60_000, sender: 'b' });
    expect(update).toMatchObject({
      dedupeKey: 'inc:9:update:2',
      targetTs: '1700000000.000300',
      payload: { text: 'Mitigated' },
    });
    expect((await a.outbox.getByDedupeKey('inc:9:update:1'))?.state).toBe('superseded');
    expect((await a.outbox.getByDedupeKey('inc:9:root'))?.slackTs).toBe('1700000000.000300');
  });

  it('retries a failed send when Slack says, and gives up after the last attempt or a permanent error', async () => {
    await clearQueue(backend);
    const { message } = await a.outbox.enqueue({
      dedupeKey: 'retry:1',
      channel: 'C3',
      kind: 'post',
      payload: { text: 'hello' },
    });
    const [claimed] = await a.outbox.claimDue({ limit: 1, leaseMs: 60_000, sender: 'a' });
    expect(claimed?.id).toBe(message.id);
    const retryAt = new Date(Date.now() - 1_000);
    expect(await a.outbox.markFailed(message.id, 'ratelimited', { retryAt })).toMatchObject({
      state: 'pending',
      error: 'ratelimited',
      nextAttemptAt: retryAt,
    });
    const [second] = await a.outbox.claimDue({ limit: 1, leaseMs: 60_000, sender: 'a' });
    expect(second?.attempts).toBe(2);
    expect(await a.outbox.markFailed(message.id, 'ratelimited', { maxAttempts: 2 })).toMatchObject({ state: 'failed' });
    const { message: bad } = await a.outbox.enqueue({
      dedupeKey: 'retry:2',
      channel: 'C3',
      kind: 'post',
      payload: { text: 'x' },
    });
    expect(await a.outbox.markFailed(bad.id, 'channel_not_found', { permanent: true })).toMatchObject({
      state: 'failed',
    });
  });
});
