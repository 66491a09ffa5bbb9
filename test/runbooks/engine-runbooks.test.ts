import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planRun } from '@recio/bot/runbooks/plan';
import { ALICE, BOB, startEngineFixture, asRun, runReaches, type EngineFixture } from '../support/engine-fixture.js';
import { ownedTempDir } from '../support/leftovers.js';

let f: EngineFixture;

beforeAll(async () => {
  f = await startEngineFixture();
});
afterAll(async () => {
  await f?.stop();
});

describe("the plan's scenarios against a real host", () => {
  test('1.2 service crash: restart fails again, the dependency that is down is named, the run fails', async () => {
    await f.host.supervisor.setMode('auto_entry_supervisor', 'crash');
    f.kalshi.status = 503;
    try {
      const answer = asRun(
        await f.ops.handle(
          { kind: 'run', scenario: 'service-crash', value: 'auto_entry_supervisor', dryRun: false },
          await f.actor(ALICE),
          f.origin('s-crash'),
        ),
      );
      const run = await answer.done;
      expect(run.state).toBe('failed');
      const steps = await f.store.runs.steps(run.id);
      expect(steps.map((s) => [s.title, s.state])).toEqual([
        ['Check the log of auto_entry_supervisor', 'succeeded'],
        ['Restart auto_entry_supervisor', 'failed'],
        ['It failed again: is the database up?', 'succeeded'],
        ['It failed again: are Kalshi and Coinbase up?', 'failed'],
        ['auto_entry_supervisor stays RUNNING', 'failed'],
      ]);
      const timeline = (await f.store.timeline.list({ runId: run.id })).map((e) => e.text).join('\n');
      expect(timeline).toContain('down: kalshi 503');
      // The crash beats startsecs and supervisord's retries end in FATAL within the derived wait.
      expect(timeline).toMatch(/auto_entry_supervisor went FATAL/);
    } finally {
      f.kalshi.status = 200;
      await f.host.supervisor.setMode('auto_entry_supervisor', 'ok');
      await f.hosts.run('db1', { action: 'service.start', params: { service: 'auto_entry_supervisor' } });
    }
  });

  test('1.2 with a healthy program: restart works, the dependency checks are skipped, the run succeeds', async () => {
    const run = await asRun(
      await f.ops.handle(
        { kind: 'run', scenario: 'service-crash', value: 'btc_price_watchdog', dryRun: false },
        await f.actor(ALICE),
        f.origin('s-ok'),
      ),
    ).done;
    expect(run.state).toBe('succeeded');
    const steps = await f.store.runs.steps(run.id);
    expect(steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'skipped', 'skipped', 'succeeded']);
  });

  test(
    '1.1 a dropped table: the restore waits for a second person, ' + 'self-approval is refused, then it restores',
    async () => {
      const backup = await f.hosts.run('db1', { action: 'backup.create', params: {} });
      expect(backup.ok).toBe(true);
      await f.recio.query('DROP TABLE kalshi_market_snapshots');
      const alice = await f.actor(ALICE);
      const answer = asRun(
        await f.ops.handle({ kind: 'run', scenario: 'postgres-failure', dryRun: false }, alice, f.origin('pg-1')),
      );
      const gated = await answer.done;
      expect(gated.state).toBe('awaiting_approval');
      const steps = await f.store.runs.steps(gated.id);
      const restore = steps.find((s) => s.action === 'db.restore')!;
      expect(restore.state).toBe('awaiting_approval');
      expect(steps.find((s) => s.action === 'db.restart')?.state).toBe('skipped');
      // Bound when the approval was asked for: that dump (name and hash), only the table \dt missed.
      const dumped = backup.data as { file: string; sha256: string };
      expect(restore.params).toEqual({ file: dumped.file, sha256: dumped.sha256, tables: ['kalshi_market_snapshots'] });
      // A newer dump lands before the approval: it changes nothing.
      const newer = await f.hosts.run('db1', { action: 'backup.create', params: {} });
      expect((newer.data as { file: string }).file).not.toBe(dumped.file);
      const approvalPost = (await f.store.timeline.list({ runId: gated.id })).find(
        (e) => e.kind === 'approval_requested',
      );
      const approvalId = (approvalPost!.detail as { approvalId: string }).approvalId;

      const self = await f.ops.decideApproval(approvalId, 'approved', alice, f.origin('pg-1-self'));
      expect(self).toMatchObject({ type: 'text', text: expect.stringContaining('second lead_operator') });
      expect((await f.store.steps.get(restore.id))?.state).toBe('awaiting_approval');
      expect(
        (await f.store.audit.list({ action: 'request.refused' })).some(
          (a) => (a.detail as { reason: string }).reason === 'self_approval',
        ),
      ).toBe(true);

      const bob = await f.actor(BOB);
      const [first, second] = await Promise.all([
        f.ops.decideApproval(approvalId, 'approved', bob, f.origin('pg-1-bob-a')),
        f.ops.decideApproval(approvalId, 'approved', bob, f.origin('pg-1-bob-b')),
      ]);
      const texts = [first, second].map((a) => (a as { text: string }).text);
      expect(texts.filter((t) => t.startsWith('Approved: Restore from the latest backup'))).toHaveLength(1);
      expect(texts.filter((t) => t.startsWith(`Already approved by <@${BOB}>`))).toHaveLength(1);
      const finished = await runReaches(f.store, gated.id, ['succeeded', 'failed']);
      expect(finished.state).toBe('succeeded');
      const ran = (await f.store.steps.get(restore.id))!;
      expect(ran.result).toMatchObject({
        data: {
          restoredFrom: dumped.file,
          sha256: dumped.sha256,
          scope: 'tables',
          restoredTables: ['kalshi_market_snapshots'],
        },
      });
      const restored = await f.recio.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'kalshi_market_snapshots'",
      );
      expect(restored.rows[0].n).toBe(1);
      const after = await f.store.runs.steps(gated.id);
      expect(after.filter((s) => s.action === 'service.restart').map((s) => s.state)).toEqual([
        'succeeded',
        'succeeded',
        'succeeded',
        'succeeded',
      ]);
      const decided = await f.store.audit.list({ action: 'approval.decided' });
      expect(decided.filter((a) => (a.detail as { approval: string }).approval === approvalId)).toHaveLength(1);
    },
  );

  test('--dry-run shows what would run where, and runs nothing', async () => {
    const pid = (await f.host.supervisor.program('trade_manager')).pid;
    const run = await asRun(
      await f.ops.handle(
        { kind: 'run', scenario: 'postgres-failure', dryRun: true },
        await f.actor(ALICE),
        f.origin('pg-dry'),
      ),
    ).done;
    expect(run.state).toBe('succeeded');
    const steps = await f.store.runs.steps(run.id);
    expect(steps.every((s) => s.state === 'skipped')).toBe(true);
    const texts = (await f.store.timeline.list({ runId: run.id })).map((e) => e.text);
    expect(texts).toContain(
      'Restart trade_manager: dry run: would run service.restart on db1 {"service":"trade_manager","waitSeconds":30}',
    );
    expect((await f.host.supervisor.program('trade_manager')).pid).toBe(pid);
  });
});

describe('engine mechanics', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await ownedTempDir('runbooks');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const runbook = async (name: string, yaml: string) => {
    await writeFile(join(dir, `${name}.yml`), yaml);
    const { loadRunbooks } = await import('@recio/bot/runbooks/loader');
    return loadRunbooks(dir).get(name)!;
  };

  test('a step past its timeout is an unknown outcome, never a success, and stops the run', async () => {
    const spec = await runbook(
      'slow',
      `id: slow
title: Slow
steps:
  - { id: restart, title: Restart with no time, role: app, action: service.restart,
      params: { service: trade_executor }, timeout: 1200ms }
  - { id: after, title: Never reached, role: app, action: service.status }
`,
    );
    const { run } = await f.engine.start({
      scenario: 'slow',
      title: 'Slow',
      steps: planRun(spec, {}, { withRole: () => ['db1'] }),
      requestedBy: ALICE,
      dedupeKey: 'slow-1',
    });
    const done = await f.engine.advance(run.id, ALICE);
    expect(done.state).toBe('failed');
    const [step, after] = await f.store.runs.steps(run.id);
    expect(step).toMatchObject({ state: 'failed', outcome: 'unknown' });
    expect(after?.state).toBe('pending');
    await f.host.supervisor.waitFor('trade_executor', 'RUNNING');
  });

  test('a confirm gate waits; skipping it by hand moves the run on', async () => {
    const spec = await runbook(
      'gated',
      `id: gated
title: Gated
steps:
  - { id: ask, title: Stop auto entries, role: app, action: service.stop,
      params: { service: auto_entry_supervisor }, approval: confirm }
  - { id: look, title: Look at the status, role: app, action: service.status, idempotent: true }
`,
    );
    const { run } = await f.engine.start({
      scenario: 'gated',
      title: 'Gated',
      steps: planRun(spec, {}, { withRole: () => ['db1'] }),
      requestedBy: ALICE,
      dedupeKey: 'gated-1',
    });
    expect((await f.engine.advance(run.id, ALICE)).state).toBe('awaiting_approval');
    const [ask] = await f.store.runs.steps(run.id);
    expect(await f.ops.skipStep(ask!.id, await f.actor(ALICE), f.origin('gated-skip'))).toMatchObject({
      text: 'Skipped: Stop auto entries.',
    });
    const finished = await runReaches(f.store, run.id, ['succeeded', 'failed']);
    expect(finished.state).toBe('succeeded');
    expect((await f.host.supervisor.program('auto_entry_supervisor')).state).toBe('RUNNING');
    const again = await f.ops.skipStep(ask!.id, await f.actor(ALICE), f.origin('gated-skip-2'));
    expect((again as { text: string }).text).toContain('cannot be skipped now');
  });
});
