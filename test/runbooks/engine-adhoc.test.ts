import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALICE, CAROL, MALLORY, startEngineFixture, asRun, type EngineFixture } from '../support/engine-fixture.js';

let f: EngineFixture;

beforeAll(async () => {
  f = await startEngineFixture();
});
afterAll(async () => {
  await f?.stop();
});

describe('a restart from the core, against a real host', () => {
  test('restart trade_executor: one run, one step, a new PID, timeline, audit and outbox rows', async () => {
    const before = await f.host.supervisor.program('trade_executor');
    const answer = asRun(
      await f.ops.handle({ kind: 'restart', service: 'trade_executor' }, await f.actor(ALICE), f.origin('t-restart-1')),
    );
    const run = await answer.done;
    expect(run.state).toBe('succeeded');
    const after = await f.host.supervisor.program('trade_executor');
    expect(after.state).toBe('RUNNING');
    expect(after.pid).not.toBe(before.pid);
    const [step] = await f.store.runs.steps(run.id);
    expect(step).toMatchObject({ state: 'succeeded', host: 'db1', action: 'service.restart', outcome: 'ok' });
    const kinds = (await f.store.timeline.list({ runId: run.id })).map((e) => e.kind);
    expect(kinds).toEqual(['run_started', 'step_started', 'step_succeeded', 'run_succeeded']);
    const audit = await f.store.audit.list({ target: 'db1/service.restart' });
    expect(
      audit.some((a) => a.actor === ALICE && a.outcome === 'ok' && (a.detail as { run: string }).run === run.id),
    ).toBe(true);
    expect(await f.store.outbox.getByDedupeKey(`run:${run.id}:post`)).toMatchObject({
      channel: 'COPS00001',
      kind: 'post',
    });
  });

  test('the same delivery key twice: one run, one execution', async () => {
    const actor = await f.actor(ALICE);
    const first = asRun(await f.ops.handle({ kind: 'restart', service: 'trade_manager' }, actor, f.origin('t-dup')));
    const second = asRun(await f.ops.handle({ kind: 'restart', service: 'trade_manager' }, actor, f.origin('t-dup')));
    expect(second.created).toBe(false);
    expect(second.run.id).toBe(first.run.id);
    await first.done;
    await second.done;
    const steps = await f.store.runs.steps(first.run.id);
    expect(steps.map((s) => s.attempt)).toEqual([1]);
    expect(
      (await f.store.audit.list({ target: 'db1/service.restart' })).filter(
        (a) => (a.detail as { run: string }).run === first.run.id,
      ),
    ).toHaveLength(1);
  });

  test('two restarts of the same service at once run one after the other, never interleaved', async () => {
    const actor = await f.actor(ALICE);
    const [a, b] = await Promise.all([
      f.ops.handle({ kind: 'restart', service: 'kalshi_api_watchdog' }, actor, f.origin('t-lock-a')),
      f.ops.handle({ kind: 'restart', service: 'kalshi_api_watchdog' }, actor, f.origin('t-lock-b')),
    ]);
    const runs = await Promise.all([asRun(a).done, asRun(b).done]);
    expect(runs.map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    const [stepA] = await f.store.runs.steps(runs[0]!.id);
    const [stepB] = await f.store.runs.steps(runs[1]!.id);
    const data = (s: typeof stepA) => (s!.result as { data: { pid: number; previousPid: number } }).data;
    // Serialised: one restart found, as its previous PID, the PID the other one started.
    const chained = data(stepA).previousPid === data(stepB).pid || data(stepB).previousPid === data(stepA).pid;
    expect(chained).toBe(true);
    expect(data(stepA).pid).not.toBe(data(stepB).pid);
  });

  test('unauthorised and wrong-role requests are refused with an audit row, nothing runs', async () => {
    const pid = (await f.host.supervisor.program('trade_executor')).pid;
    const denied = await f.ops.handle(
      { kind: 'restart', service: 'trade_executor' },
      await f.actor(MALLORY),
      f.origin('t-mallory'),
    );
    expect(denied).toMatchObject({ type: 'denied' });
    const architect = await f.ops.handle(
      { kind: 'restart', service: 'trade_executor' },
      await f.actor(CAROL),
      f.origin('t-carol'),
    );
    expect(architect.type).toBe('denied');
    expect((await f.ops.handle({ kind: 'status' }, await f.actor(MALLORY), f.origin('t-mallory-status'))).type).toBe(
      'denied',
    );
    expect((await f.ops.handle({ kind: 'help' }, await f.actor(MALLORY), f.origin('t-mallory-help'))).type).toBe(
      'help',
    );
    const refusals = await f.store.audit.list({ action: 'request.denied' });
    expect(refusals.map((r) => r.actor)).toEqual(expect.arrayContaining([MALLORY, CAROL]));
    expect((await f.host.supervisor.program('trade_executor')).pid).toBe(pid);
    expect(await f.store.runs.getByDedupeKey('run:t-mallory')).toBeUndefined();
  });

  test('status and tail read the host and start nothing', async () => {
    const status = await f.ops.handle({ kind: 'status' }, await f.actor(CAROL), f.origin('t-status'));
    expect(status.type).toBe('status');
    if (status.type === 'status') expect(status.results[0]).toMatchObject({ host: 'db1', ok: true });
    const tail = await f.ops.handle(
      { kind: 'tail', service: 'trade_manager', lines: 3 },
      await f.actor(CAROL),
      f.origin('t-tail'),
    );
    expect(tail).toMatchObject({ type: 'tail', ok: true, host: 'db1', service: 'trade_manager' });
    if (tail.type === 'tail') expect(tail.lines).toHaveLength(3);
  });
});
