import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, verifyAuditChain, type OpenStoreOptions, type Store } from '@recio/bot/store/index';
import { BACKENDS, createMachineDatabase, makeTempDir, type BackendName } from './support/backends.js';
import { killAllFixtures, startFixture } from './support/child.js';
import { stopLeftoverPostgres } from './support/leftovers.js';

interface InStep {
  runId: string;
  stepId: string;
  nextStepId: string;
  incidentId: string;
  instanceId: string;
}

describe.each(BACKENDS)('a bot SIGKILLed in the middle of a step (%s PostgreSQL)', (name: BackendName) => {
  let options: OpenStoreOptions;
  let fixtureEnv: Record<string, string>;
  let cleanup: () => Promise<void>;
  const stores: Store[] = [];

  beforeAll(async () => {
    if (name === 'machine') {
      const db = await createMachineDatabase();
      options = { databaseUrl: db.url, dataDir: '/nonexistent-unused' };
      fixtureEnv = { DATABASE_URL: db.url };
      cleanup = db.drop;
    } else {
      const dataDir = makeTempDir();
      options = { dataDir };
      fixtureEnv = { DATA_DIR: dataDir };
      cleanup = async () => {
        await stopLeftoverPostgres(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      };
    }
  });
  afterAll(async () => {
    await killAllFixtures();
    for (const store of stores.reverse()) await store.close().catch(() => undefined);
    await cleanup?.();
  });

  /** Runs the crash fixture up to the middle of its step, then kills it without warning. */
  async function crashMidStep(idempotent: boolean, action = 'service.restart'): Promise<InStep> {
    const fixture = startFixture('crash-worker.ts', { ...fixtureEnv, IDEMPOTENT: String(idempotent), ACTION: action });
    const inStep = await fixture.waitFor<InStep>((m) => m.inStep === true);
    await fixture.kill('SIGKILL');
    return inStep;
  }

  /** The next start. On the embedded backend the killed bot's PostgreSQL is still running, orphaned. */
  async function nextStart(): Promise<Store> {
    const store = await openStore(options);
    stores.push(store);
    return store;
  }

  /** The killed process's connections close when the kernel notices; its presence goes with them. */
  async function recoverOnce(store: Store, instanceId: string) {
    for (;;) {
      const report = await store.recoverInterruptedSteps();
      if (report.steps.some((s) => s.previousOwner === instanceId)) return report;
      await sleep(50);
    }
  }

  it(
    'marks a non-idempotent step interrupted, stops its run, and tells the timeline, ' +
      'the audit log and Slack — once',
    async () => {
      const crashed = await crashMidStep(false);
      const store = await nextStart();
      const report = await recoverOnce(store, crashed.instanceId);
      const recovered = report.steps.find((s) => s.step.id === crashed.stepId)!;
      expect(recovered).toMatchObject({ reason: 'owner_gone', requeued: false, previousOwner: crashed.instanceId });
      expect(recovered.step).toMatchObject({ state: 'interrupted', outcome: 'unknown', leaseUntil: null });
      expect(recovered.run.state).toBe('interrupted');
      expect(report.locksReleased.map((l) => `${l.host}/${l.service}:${l.owner}`)).toContain(
        `app1/trade_executor:run:${crashed.runId}`,
      );

      const timeline = await store.timeline.list({ incidentId: crashed.incidentId });
      const event = timeline.find((e) => e.kind === 'step_interrupted');
      expect(event).toMatchObject({ runId: crashed.runId, stepId: crashed.stepId, actor: 'system' });
      expect(event?.text).toMatch(/interrupted.*outcome is unknown/);
      const message = await store.outbox.getByDedupeKey(recovered.outboxKey!);
      expect(message).toMatchObject({
        channel: 'C0INC',
        threadTs: '1700000000.000100',
        kind: 'post',
        state: 'pending',
      });
      expect(message?.payload.text).toMatch(/Restart trade_executor.*interrupted.*outcome is unknown/);
      expect((await store.audit.list({ target: `run:${crashed.runId}` })).map((e) => [e.action, e.outcome])).toEqual([
        ['step.interrupted', 'unknown'],
      ]);
      expect((await verifyAuditChain(store)).ok).toBe(true);

      // Never re-run: neither the interrupted step nor the rest of its run can be claimed.
      expect(await store.steps.claim(crashed.stepId, { leaseMs: 1_000 })).toMatchObject({
        claimed: false,
        reason: 'finished',
      });
      expect(await store.steps.claim(crashed.nextStepId, { leaseMs: 1_000 })).toMatchObject({
        claimed: false,
        reason: 'not_claimable',
      });
      // A second recovery (another replica starting) finds nothing more to do.
      expect((await store.recoverInterruptedSteps()).steps.filter((s) => s.run.id === crashed.runId)).toEqual([]);
      expect(await store.locks.get('app1', 'trade_executor')).toBeUndefined();
    },
  );

  it('puts an idempotent read step back to pending, to run again, and says so', async () => {
    const crashed = await crashMidStep(true, 'service.status');
    const store = await nextStart();
    const report = await recoverOnce(store, crashed.instanceId);
    const recovered = report.steps.find((s) => s.step.id === crashed.stepId)!;
    expect(recovered).toMatchObject({
      requeued: true,
      step: { state: 'pending', owner: null, attempt: 1 },
      run: { state: 'running' },
    });
    expect((await store.outbox.getByDedupeKey(recovered.outboxKey!))?.payload.text).toMatch(
      /idempotent, so it will run again/,
    );
    const again = await store.steps.claim(crashed.stepId, { leaseMs: 1_000 });
    expect(again).toMatchObject({ claimed: true, step: { attempt: 2, owner: store.instanceId } });
  });

  it(
    'never re-runs a dangerous step after a crash, ' + 'even one stored as idempotent: interrupted, the run stops',
    async () => {
      const action = 'db.restore';
      const crashed = await crashMidStep(true, action);
      const store = await nextStart();
      const report = await recoverOnce(store, crashed.instanceId);
      const recovered = report.steps.find((s) => s.step.id === crashed.stepId)!;
      expect(recovered).toMatchObject({
        requeued: false,
        step: { state: 'interrupted', outcome: 'unknown', action, idempotent: true },
        run: { state: 'interrupted' },
      });
      expect((await store.outbox.getByDedupeKey(recovered.outboxKey!))?.payload.text).toMatch(/outcome is unknown/);
      expect(await store.steps.claim(crashed.stepId, { leaseMs: 1_000 })).toMatchObject({ claimed: false });
    },
  );

  it('leaves a live owner alone until its lease runs out, and then refuses its late result', async () => {
    const store = await nextStart();
    const { steps } = await store.runs.create({
      scenario: 'service-crash',
      requestedBy: 'U0OPS',
      channel: 'C0OPS',
      steps: [{ title: 'Restart', host: 'app1', action: 'service.restart', params: { service: 'trade_manager' } }],
    });
    expect((await store.steps.claim(steps[0]!.id, { leaseMs: 60_000 })).claimed).toBe(true);
    const other = await nextStart();
    expect((await other.recoverInterruptedSteps()).steps.map((s) => s.step.id)).not.toContain(steps[0]!.id);
    await store.steps.renewLease(steps[0]!.id, 1);
    await sleep(20);
    const report = await other.recoverInterruptedSteps();
    expect(report.steps.find((s) => s.step.id === steps[0]!.id)).toMatchObject({
      reason: 'lease_expired',
      step: { state: 'interrupted' },
    });
    const late = await store.steps.finish(steps[0]!.id, { state: 'succeeded', exitCode: 0 });
    expect(late).toMatchObject({ recorded: false, step: { state: 'interrupted', outcome: 'unknown' } });
  });
});
