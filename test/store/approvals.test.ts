import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecioError } from '@recio/protocol/errors';
import type { Store } from '@recio/bot/store/index';
import { BACKENDS, startBackend, type TestBackend } from './support/backends.js';
import type { ApprovalBinding, Step } from '@recio/bot/domain/index';

const REQUESTER = 'U0REQUEST';
const APPROVER = 'U0APPROVE';

async function codeOf(promise: Promise<unknown>): Promise<RecioError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RecioError)) throw new Error(`expected a RecioError, got ${String(error)}`);
  return error;
}

describe.each(BACKENDS)('approvals (%s PostgreSQL)', (name) => {
  let backend: TestBackend;
  let store: Store;
  let other: Store;

  /** A restore step waiting for a second person, and the binding the engine would run. */
  async function restoreStep(): Promise<{ step: Step; binding: ApprovalBinding }> {
    const { steps } = await store.runs.create({
      scenario: 'postgres-failure',
      requestedBy: REQUESTER,
      steps: [
        {
          title: 'Restore',
          host: 'db1',
          action: 'db.restore',
          params: { backup: 'db_2026-11-25.sql' },
          approval: 'second_person',
        },
      ],
    });
    const step = steps[0]!;
    return { step, binding: { host: step.host, action: step.action, params: step.params } };
  }

  beforeAll(async () => {
    backend = await startBackend(name);
    store = await backend.open();
    other = await backend.open();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('issues an opaque id bound to the step, and re-requesting returns the pending one', async () => {
    const { step, binding } = await restoreStep();
    const approval = await store.approvals.request({
      stepId: step.id,
      requestedBy: REQUESTER,
      ttlMs: 60_000,
      requiredRole: 'ops-lead',
    });
    expect(approval.id).toMatch(/^apr_[A-Za-z0-9_-]{22}$/);
    expect(approval).toMatchObject({ state: 'pending', runId: step.runId, stepId: step.id, requiredRole: 'ops-lead' });
    expect((await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 })).id).toBe(
      approval.id,
    );
    const decided = await other.approvals.decide({ id: approval.id, by: APPROVER, decision: 'approved', binding });
    expect(decided).toMatchObject({ state: 'approved', decidedBy: APPROVER });
    expect(decided.decidedAt).toBeInstanceOf(Date);
    expect(await store.approvals.approvedFor(step.id, binding)).toMatchObject({ id: approval.id });
    expect(await store.approvals.approvedFor(step.id, { ...binding, params: { backup: 'other.sql' } })).toBeUndefined();
  });

  it('refuses the requester approving their own request, but lets them withdraw it', async () => {
    const { step, binding } = await restoreStep();
    const approval = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 });
    expect(
      (await codeOf(store.approvals.decide({ id: approval.id, by: REQUESTER, decision: 'approved', binding }))).code,
    ).toBe('self_approval');
    expect((await store.approvals.get(approval.id))?.state).toBe('pending');
    expect(
      await store.approvals.decide({
        id: approval.id,
        by: REQUESTER,
        decision: 'denied',
        binding,
        reason: 'wrong backup',
      }),
    ).toMatchObject({ state: 'denied', reason: 'wrong backup' });
  });

  it('refuses an expired approval and marks it expired', async () => {
    const { step, binding } = await restoreStep();
    const approval = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 });
    await backend.sql(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [approval.id]);
    const error = await codeOf(
      other.approvals.decide({ id: approval.id, by: APPROVER, decision: 'approved', binding }),
    );
    expect(error.code).toBe('approval_expired');
    expect((await store.approvals.get(approval.id))?.state).toBe('expired');
    expect(
      (await codeOf(other.approvals.decide({ id: approval.id, by: APPROVER, decision: 'approved', binding }))).code,
    ).toBe('approval_expired');
  });

  it('refuses when what would run is not what was put up for approval', async () => {
    const { step, binding } = await restoreStep();
    const approval = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 });
    for (const changed of [
      { ...binding, params: { backup: 'db_2026-11-01.sql' } },
      { ...binding, host: 'db2' },
      { ...binding, action: 'db.restart' },
    ]) {
      expect(
        (
          await codeOf(
            other.approvals.decide({ id: approval.id, by: APPROVER, decision: 'approved', binding: changed }),
          )
        ).code,
      ).toBe('approval_mismatch');
    }
    // Key order in params is not a difference.
    const reordered = { ...binding, params: Object.fromEntries(Object.entries(binding.params).reverse()) };
    expect(
      (await other.approvals.decide({ id: approval.id, by: APPROVER, decision: 'approved', binding: reordered })).state,
    ).toBe('approved');
  });

  it('answers unknown and tampered ids as not found', async () => {
    const { step, binding } = await restoreStep();
    const approval = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 });
    const tampered = approval.id.slice(0, -1) + (approval.id.endsWith('A') ? 'B' : 'A');
    for (const id of [tampered, `apr_${'x'.repeat(22)}`, 'apr_short', "apr_'; DELETE FROM approvals; --", '']) {
      const error = await codeOf(other.approvals.decide({ id, by: APPROVER, decision: 'approved', binding }));
      expect(error.code).toBe('not_found');
    }
    expect((await store.approvals.get(approval.id))?.state).toBe('pending');
    expect(
      (await codeOf(store.approvals.request({ stepId: 'not-a-step', requestedBy: REQUESTER, ttlMs: 1 }))).code,
    ).toBe('not_found');
  });

  it('records one decision for a double click, and tells the second who decided and when', async () => {
    const { step, binding } = await restoreStep();
    const approval = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 });
    const clicks = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? store : other).approvals.decide({
          id: approval.id,
          by: i < 3 ? APPROVER : 'U0THIRD',
          decision: 'approved',
          binding,
        }),
      ),
    );
    const won = clicks.filter((c) => c.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const decided = (won[0] as PromiseFulfilledResult<{ decidedBy: string; decidedAt: Date }>).value;
    for (const click of clicks.filter((c) => c.status === 'rejected')) {
      const error = (click as PromiseRejectedResult).reason as RecioError;
      expect(error.code).toBe('approval_decided');
      expect(error.context).toMatchObject({
        state: 'approved',
        decidedBy: decided.decidedBy,
        decidedAt: decided.decidedAt,
      });
      expect(error.message).toContain(decided.decidedBy);
    }
  });

  it('expires overdue approvals in a sweep and returns them', async () => {
    const { step } = await restoreStep();
    const approval = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 1 });
    await backend.sql(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [approval.id]);
    const expired = await store.approvals.expireDue();
    expect(expired.map((e) => e.id)).toContain(approval.id);
    expect(await store.approvals.expireDue()).toEqual([]);
    const renewed = await store.approvals.request({ stepId: step.id, requestedBy: REQUESTER, ttlMs: 60_000 });
    expect(renewed.id).not.toBe(approval.id);
  });
});
