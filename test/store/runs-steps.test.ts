import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRecioError } from '@recio/protocol/errors';
import type { CreateRunInput, Store } from '@recio/bot/store/index';
import { BACKENDS, startBackend, type TestBackend } from './support/backends.js';

const restartRun = (dedupeKey: string | null = null): CreateRunInput => ({
  scenario: 'service-crash',
  requestedBy: 'U024BE7LH',
  dedupeKey,
  channel: 'C0OPS',
  params: { service: 'trade_executor' },
  steps: [
    {
      title: 'Tail the log',
      host: 'app1',
      action: 'service.tail',
      params: { service: 'trade_executor', lines: 50 },
      idempotent: true,
    },
    { title: 'Restart', host: 'app1', action: 'service.restart', params: { service: 'trade_executor' } },
  ],
});

describe.each(BACKENDS)('runs and steps (%s PostgreSQL)', (name) => {
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

  it('creates a run with its steps in order, with typed values back', async () => {
    const { run, steps, created } = await a.runs.create(restartRun());
    expect(created).toBe(true);
    expect(run).toMatchObject({
      scenario: 'service-crash',
      state: 'pending',
      requestedBy: 'U024BE7LH',
      dryRun: false,
      params: { service: 'trade_executor' },
    });
    expect(steps.map((s) => [s.idx, s.action, s.idempotent, s.approval, s.state])).toEqual([
      [0, 'service.tail', true, 'none', 'pending'],
      [1, 'service.restart', false, 'none', 'pending'],
    ]);
    expect(await a.runs.steps(run.id)).toEqual(steps);
  });

  it('turns the same dedupe key, from two replicas at once, into one run', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).runs.create(restartRun('slack:cmd:abc'))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect(results.every((r) => r.steps.length === 2)).toBe(true);
    expect((await a.runs.getByDedupeKey('slack:cmd:abc'))?.id).toBe(results[0]!.run.id);
  });

  it('lets one claimer take a step; the loser learns who holds it and since when', async () => {
    const { run, steps } = await a.runs.create(restartRun());
    const step = steps[0]!;
    const claims = await Promise.all([
      a.steps.claim(step.id, { leaseMs: 30_000 }),
      b.steps.claim(step.id, { leaseMs: 30_000 }),
    ]);
    const won = claims.filter((c) => c.claimed);
    const lost = claims.find((c) => !c.claimed);
    expect(won).toHaveLength(1);
    const winner = won[0]!.step;
    expect(lost).toMatchObject({ claimed: false, reason: 'running', heldBy: winner.owner, since: winner.startedAt });
    expect(winner.attempt).toBe(1);
    expect((await a.runs.get(run.id))?.state).toBe('running');
  });

  it('records the result only for the owner, and a finished step cannot be claimed again', async () => {
    const { steps } = await a.runs.create(restartRun());
    const step = steps[1]!;
    expect((await a.steps.claim(step.id, { leaseMs: 30_000 })).claimed).toBe(true);
    const stranger = await b.steps.finish(step.id, { state: 'succeeded', exitCode: 0 });
    expect(stranger.recorded).toBe(false);
    expect(stranger.step.state).toBe('running');
    expect(await b.steps.renewLease(step.id, 60_000)).toBe(false);
    expect(await a.steps.renewLease(step.id, 60_000)).toBe(true);
    const done = await a.steps.finish(step.id, {
      state: 'succeeded',
      exitCode: 0,
      result: { pid: 4242 },
      outputExcerpt: 'x'.repeat(20_000),
    });
    expect(done.recorded).toBe(true);
    expect(done.step).toMatchObject({
      state: 'succeeded',
      outcome: 'ok',
      exitCode: 0,
      result: { pid: 4242 },
      leaseUntil: null,
    });
    expect(done.step.outputExcerpt).toHaveLength(8_000);
    const again = await b.steps.claim(step.id, { leaseMs: 30_000 });
    expect(again).toMatchObject({ claimed: false, reason: 'finished', heldBy: a.instanceId });
  });

  it('does not hand out steps of a run that stopped', async () => {
    const { run, steps } = await a.runs.create(restartRun());
    expect(await a.runs.transition(run.id, 'cancelled', ['pending', 'running'])).toMatchObject({ state: 'cancelled' });
    expect((await a.runs.get(run.id))?.finishedAt).toBeInstanceOf(Date);
    expect(await a.steps.claim(steps[0]!.id, { leaseMs: 1_000 })).toMatchObject({
      claimed: false,
      reason: 'not_claimable',
    });
    expect(await a.runs.transition(run.id, 'running', ['pending'])).toBeUndefined();
  });

  it('holds a step for approval and refuses to make one running except by a claim', async () => {
    const { steps } = await a.runs.create(restartRun());
    expect(await a.steps.transition(steps[1]!.id, 'awaiting_approval', ['pending'])).toMatchObject({
      state: 'awaiting_approval',
    });
    expect(await a.steps.claim(steps[1]!.id, { leaseMs: 1_000 })).toMatchObject({
      claimed: false,
      reason: 'not_claimable',
    });
    await expect(a.steps.transition(steps[1]!.id, 'running', ['awaiting_approval'])).rejects.toThrow(
      /only through claim/,
    );
  });

  it('parks a checklist waiting only when every open step waits; a go-ahead under the run lock is never parked', async () => {
    const gated = async () => {
      const { run, steps } = await a.runs.create(restartRun());
      await a.runs.transition(run.id, 'running', ['pending']);
      for (const step of steps) await a.steps.transition(step.id, 'awaiting_approval', ['pending']);
      return { run, steps };
    };
    // A driver that read the steps before a go-ahead decides again, in the store, after it.
    const stale = await gated();
    await a.steps.transition(stale.steps[0]!.id, 'pending', ['awaiting_approval']);
    expect(await b.runs.awaitGates(stale.run.id)).toBeUndefined();
    expect((await a.runs.get(stale.run.id))?.state).toBe('running');
    expect(await a.steps.claim(stale.steps[0]!.id, { leaseMs: 1_000 })).toMatchObject({ claimed: true });

    // The go-ahead holds the run's lock; the driver's decision waits for it and sees the step pending.
    const raced = await gated();
    const client = new pg.Client({ connectionString: backend.url() });
    await client.connect();
    try {
      let parked: Promise<unknown> | undefined;
      await a.withTransaction(async (tx) => {
        await tx.runs.lock(raced.run.id);
        parked = b.runs.awaitGates(raced.run.id);
        for (;;) {
          const waiting = await client.query(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
          );
          if (waiting.rowCount) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await tx.steps.transition(raced.steps[0]!.id, 'pending', ['awaiting_approval']);
      });
      expect(await parked).toBeUndefined();
    } finally {
      await client.end();
    }
    expect((await a.runs.get(raced.run.id))?.state).toBe('running');

    // With every open step waiting for a person, it parks; a finished run is left alone.
    const waiting = await gated();
    expect(await b.runs.awaitGates(waiting.run.id)).toMatchObject({ state: 'awaiting_approval' });
    expect(await b.runs.awaitGates(waiting.run.id)).toBeUndefined();
    expect(await b.runs.awaitGates('not-a-uuid')).toBeUndefined();
  });

  it('answers unknown and malformed ids as not found, not as SQL errors', async () => {
    expect(await a.runs.get('not-a-uuid')).toBeUndefined();
    expect(await a.runs.get('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(await a.steps.get("1'; DROP TABLE runs; --")).toBeUndefined();
    for (const id of ['nope', '00000000-0000-0000-0000-000000000000']) {
      const error = await a.steps.claim(id, { leaseMs: 1_000 }).catch((e: unknown) => e);
      expect(isRecioError(error, 'not_found')).toBe(true);
    }
  });

  it('lists unfinished runs and records where the run talks in Slack', async () => {
    const { run } = await a.runs.create({ ...restartRun(), channel: null });
    await a.runs.setThread(run.id, 'C0OPS', '1700000000.000100');
    expect(await a.runs.get(run.id)).toMatchObject({ channel: 'C0OPS', threadTs: '1700000000.000100' });
    expect((await a.runs.listActive()).map((r) => r.id)).toContain(run.id);
  });
});
