import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain, type Store } from '@recio/bot/store/index';
import { BACKENDS, startBackend, type TestBackend } from './support/backends.js';

describe.each(BACKENDS)('deliveries and audit log (%s PostgreSQL)', (name) => {
  let backend: TestBackend;
  let store: Store;
  let replica: Store;

  beforeAll(async () => {
    backend = await startBackend(name);
    store = await backend.open();
    replica = await backend.open();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('claims a delivery key once and tells the duplicate who saw it first and what came of it', async () => {
    const first = await store.deliveries.claim('evt:Ev01', 'event');
    expect(first.claimed).toBe(true);
    await store.deliveries.setOutcome('evt:Ev01', 'restart started');
    const retry = await replica.deliveries.claim('evt:Ev01', 'event');
    expect(retry).toMatchObject({ claimed: false, seenBy: store.instanceId, outcome: 'restart started' });
    expect(retry.firstSeenAt).toEqual(first.firstSeenAt);
  });

  it('lets exactly one of many concurrent claimers of one key win, across replicas', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? store : replica).deliveries.claim('click:same', 'action')),
    );
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
  });

  it('prunes keys older than the cut-off only', async () => {
    await store.deliveries.claim('old:1', 'event');
    await backend.sql(`UPDATE deliveries SET first_seen_at = now() - interval '2 days' WHERE key = 'old:1'`);
    const pruned = await store.deliveries.prune(new Date(Date.now() - 24 * 3600_000));
    expect(pruned).toBe(1);
    expect((await store.deliveries.claim('evt:Ev01', 'event')).claimed).toBe(false);
    expect((await store.deliveries.claim('old:1', 'event')).claimed).toBe(true);
  });

  it('chains concurrent appends from two replicas into one verifiable line', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? store : replica).audit.append({
          actor: i % 3 ? 'U024BE7LH' : 'system',
          action: 'step.executed',
          target: `run:${i}`,
          outcome: 'ok',
          detail: { i, nested: { z: 1, a: [true, null, 'x'] }, when: new Date(0).toISOString() },
          requestId: `req-${i}`,
        }),
      ),
    );
    const verdict = await verifyAuditChain(store);
    expect(verdict).toMatchObject({ ok: true, checked: 40 });
    const entries = await store.audit.list({ limit: 100 });
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
    await expect(backend.sql(`UPDATE audit_log SET outcome = 'denied'`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(backend.sql('DELETE FROM audit_log')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(backend.sql('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  });

  it('names the edited row when someone able to disable the trigger rewrites one', async () => {
    const [victim] = await store.audit.list({ target: 'run:7' });
    await tamper(backend, `UPDATE audit_log SET outcome = 'denied' WHERE id = ${victim!.id}`);
    const verdict = await verifyAuditChain(store);
    expect(verdict).toMatchObject({ ok: false, brokenId: victim!.id, reason: 'hash_mismatch' });
    await tamper(backend, `UPDATE audit_log SET outcome = 'ok' WHERE id = ${victim!.id}`);
    expect((await verifyAuditChain(store)).ok).toBe(true);
  });

  it('names the row after a deleted one', async () => {
    const entries = await store.audit.list({ limit: 100 });
    const removed = entries[10]!;
    await tamper(backend, `DELETE FROM audit_log WHERE id = ${removed.id}`);
    const verdict = await verifyAuditChain(store);
    expect(verdict).toMatchObject({ ok: false, brokenId: entries[11]!.id, reason: 'prev_hash_mismatch' });
  });

  it('commits an audit row with the change it records, or neither', async () => {
    const before = (await store.audit.list({ action: 'test.rollback' })).length;
    await expect(
      store.withTransaction(async (tx) => {
        await tx.deliveries.claim('rolled:back', 'cli');
        await tx.audit.append({ actor: 'cli:ops', action: 'test.rollback' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.audit.list({ action: 'test.rollback' })).toHaveLength(before);
    expect((await store.deliveries.claim('rolled:back', 'cli')).claimed).toBe(true);
  });
});

/** What a database superuser could do: switch the trigger off, change rows, switch it on. */
async function tamper(backend: TestBackend, statement: string): Promise<void> {
  await backend.sql(
    `BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; ${statement}; ` +
      'ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT',
  );
}
