import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  startEngineFixture,
  asRun,
  runReaches,
  type EngineFixture,
} from '../support/engine-fixture.js';
import { until } from '../support/monitor-fixture.js';
import { ownedTempDir } from '../support/leftovers.js';

let f: EngineFixture;
let dir: string;
let repo: string;

const git = (...args: string[]) =>
  execa('git', ['-C', repo, '-c', 'user.email=ci@recio', '-c', 'user.name=ci', ...args]);

async function release(tag: string, crash: boolean): Promise<void> {
  await writeFile(join(repo, 'VERSION'), `${tag}\n`);
  await writeFile(join(repo, 'CRASH_ON_START'), crash ? '*\n' : '');
  await git('add', '.');
  await git('commit', '-qm', `release ${tag}`);
  await git('tag', tag);
}

beforeAll(async () => {
  dir = await ownedTempDir('scenarios');
  repo = join(dir, 'rec_io_v2');
  await mkdir(repo);
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(join(repo, 'requirements.txt'), 'requests==2.32.0\n');
  await release('v2.3.0', false);
  await release('v2.4.0', true);
  await git('checkout', '-q', 'v2.3.0');
  await execa('chmod', ['-R', 'a+rwX', dir]);
  // The provider-outage runbook with its polls at 1 s and its 12-hour window shortened to 60 s; the
  // 15 minutes of outage stay 15 minutes (counted from detection: an incident detected 20 min ago is past them).
  const runbooks = join(dir, 'commands');
  cpSync(resolve(import.meta.dirname, '../../commands'), runbooks, { recursive: true });
  const outage = join(runbooks, 'provider-outage.yml');
  writeFileSync(
    outage,
    readFileSync(outage, 'utf8')
      .replace(
        'retry: { every: 30s, within: 15m, from: detected }',
        'retry: { every: 1s, within: 15m, from: detected }',
      )
      .replace('retry: { every: 30s, within: 12h }', 'retry: { every: 1s, within: 60s }')
      .replace(/retry: \{ every: 5s, within: 5m \}/g, 'retry: { every: 1s, within: 60s }'),
  );
  f = await startEngineFixture({
    runbooksDir: runbooks,
    hostOptions: { releaseDir: repo, agentConfig: { deploy: { repo, pip: ['true'], settleSeconds: 2 } } },
  });
});
afterAll(async () => {
  await f?.stop();
  await rm(dir, { recursive: true, force: true });
});

const approvalOf = async (runId: string) =>
  (
    (await f.store.timeline.list({ runId })).find((e) => e.kind === 'approval_requested')!.detail as {
      approvalId: string;
    }
  ).approvalId;

describe('1.4 bad release', () => {
  test(
    'a bad deploy is rolled back to the last good tag after a second person approves; ' + 'programs RUNNING again',
    async () => {
      // The bad deploy, as it happens: checkout of v2.4.0 and a restart of everything.
      await git('checkout', '-q', 'v2.4.0');
      await execa(
        f.host.supervisor.supervisorctl[0]!,
        [...f.host.supervisor.supervisorctl.slice(1), 'restart', 'all'],
        {
          reject: false,
        },
      );
      await f.host.supervisor.waitFor('trade_executor', 'FATAL');

      const run = asRun(
        await f.ops.handle({ kind: 'rollback', tag: 'v2.3.0' }, await f.actor(ALICE), f.origin('rb-1')),
      );
      expect((await run.done).state).toBe('awaiting_approval');
      const tags = (await f.store.runs.steps(run.run.id))[0]!;
      expect((tags.result as { data: { head: { tags: string[] } } }).data.head.tags).toEqual(['v2.4.0']);
      await f.ops.decideApproval(await approvalOf(run.run.id), 'approved', await f.actor(BOB), f.origin('rb-1-bob'));
      const finished = await runReaches(f.store, run.run.id);
      expect(finished.state).toBe('succeeded');
      expect((await git('describe', '--tags', '--exact-match', 'HEAD')).stdout.trim()).toBe('v2.3.0');
      for (const program of await f.host.supervisor.status()) expect(program.state).toBe('RUNNING');
    },
  );

  test("rolling back onto a bad tag fails loudly with the smoke test's reason", async () => {
    const run = asRun(await f.ops.handle({ kind: 'rollback', tag: 'v2.4.0' }, await f.actor(ALICE), f.origin('rb-2')));
    await run.done;
    await f.ops.decideApproval(await approvalOf(run.run.id), 'approved', await f.actor(BOB), f.origin('rb-2-bob'));
    const finished = await runReaches(f.store, run.run.id);
    expect(finished.state).toBe('failed');
    const rollback = (await f.store.runs.steps(run.run.id)).find((s) => s.action === 'deploy.rollback')!;
    expect(rollback).toMatchObject({ state: 'failed' });
    expect((rollback.result as { error: { code: string } }).error.code).toBe('smoke_failed');
    // Back to the good one, for the next test.
    await git('checkout', '-q', 'v2.3.0');
    await execa(f.host.supervisor.supervisorctl[0]!, [...f.host.supervisor.supervisorctl.slice(1), 'restart', 'all'], {
      reject: false,
    });
    await f.host.supervisor.waitFor('trade_executor', 'RUNNING');
  });
});

describe('1.3 provider outage', () => {
  /** An incident the monitor detected `minutesAgo`, and the origin of a click in its thread. */
  async function outageIncident(key: string, minutesAgo: number) {
    const { incident } = await f.store.incidents.openOrJoin({
      fingerprint: `provider:kalshi-${key}`,
      kind: 'incident',
      title: 'kalshi API unhealthy (503)',
      severity: 'sev2',
      openedBy: 'monitor',
      scenario: 'provider-outage',
    });
    const threadTs = `17000000${Math.floor(Math.random() * 1e6)}.000100`;
    await f.store.incidents.setThread(incident.id, 'COPS00001', threadTs);
    await f.storeDb.query(
      `UPDATE incidents SET opened_at = now() - interval '${minutesAgo} minutes' WHERE id = '${incident.id}'`,
    );
    return { incident, origin: (k: string) => ({ ...f.origin(k), threadTs }) };
  }
  const freshFeeds = () =>
    f.recio.query(
      "INSERT INTO btc_price_log (price) VALUES (97000); INSERT INTO kalshi_market_snapshots (market) VALUES ('KXBTC')",
    );

  test(
    'the 15 minutes count from detection: 20 min into the outage the probe gives up at once; auto entries are ' +
      'disabled on a go-ahead; once healthy the feed watchdogs are restarted, the feeds checked fresh, and auto ' +
      'entries re-enabled',
    async () => {
      f.kalshi.status = 503;
      const { origin } = await outageIncident('late', 20);
      const pids = {
        kalshi: (await f.host.supervisor.program('kalshi_api_watchdog')).pid,
        btc: (await f.host.supervisor.program('btc_price_watchdog')).pid,
      };
      const run = asRun(
        await f.ops.handle(
          { kind: 'run', scenario: 'provider-outage', dryRun: false },
          await f.actor(ALICE),
          origin('po-1'),
        ),
      );
      expect((await run.done).state).toBe('awaiting_approval');
      const steps = await f.store.runs.steps(run.run.id);
      expect(steps.map((s) => s.state)).toEqual(['failed', 'awaiting_approval', ...Array(6).fill('pending')]);
      // One attempt: the window opened when the outage was detected, not at the click.
      expect(steps[0]!.attempt).toBe(1);
      expect((await f.store.timeline.list({ runId: run.run.id })).map((e) => e.text).join('\n')).toMatch(
        /2\d min since the outage was detected/,
      );
      await f.ops.confirmStep(steps[1]!.id, await f.actor(ALICE), f.origin('po-1-disable'));
      await f.host.supervisor.waitFor('auto_entry_supervisor', 'STOPPED');
      await freshFeeds();
      f.kalshi.status = 200;
      const reenable = await until('the re-enable offer', async () =>
        (await f.store.steps.get(steps[7]!.id))?.state === 'awaiting_approval' ? steps[7] : undefined,
      );
      const done = await f.store.runs.steps(run.run.id);
      expect(done.slice(2, 7).map((s) => [s.title, s.state])).toEqual([
        ['Wait for the providers to be healthy again', 'succeeded'],
        ['Outage over 15 min — restart kalshi_api_watchdog', 'succeeded'],
        ['Outage over 15 min — restart btc_price_watchdog', 'succeeded'],
        ['Market data flowing in again (kalshi feed fresh)', 'succeeded'],
        ['BTC price feed updating again (btc_price feed fresh)', 'succeeded'],
      ]);
      expect((await f.host.supervisor.program('kalshi_api_watchdog')).pid).not.toBe(pids.kalshi);
      expect((await f.host.supervisor.program('btc_price_watchdog')).pid).not.toBe(pids.btc);
      await f.ops.confirmStep(reenable!.id, await f.actor(ALICE), f.origin('po-1-enable'));
      const finished = await runReaches(f.store, run.run.id);
      expect(finished.state).toBe('succeeded');
      expect((await f.host.supervisor.program('auto_entry_supervisor')).state).toBe('RUNNING');
    },
  );

  test(
    'a fresh outage waits; "Disable auto entry now" is refused to a system_architect and to a step without a ' +
      'wait, ends the wait for a lead_operator (its go-ahead included), and cuts once',
    async () => {
      f.kalshi.status = 503;
      try {
        const { origin } = await outageIncident('fresh', 0);
        const run = asRun(
          await f.ops.handle(
            { kind: 'run', scenario: 'provider-outage', dryRun: false },
            await f.actor(ALICE),
            origin('po-2'),
          ),
        );
        const probe = await until('the probe retrying', async () => {
          const [first] = await f.store.runs.steps(run.run.id);
          return first?.state === 'running' && first.attempt >= 1 ? first : undefined;
        });
        const refused = await f.ops.cutShort(probe.id, await f.actor(CAROL), f.origin('po-2-carol'));
        expect(refused).toMatchObject({ type: 'denied' });
        expect(JSON.stringify(refused)).toContain('lead_operator');
        const [, disable] = await f.store.runs.steps(run.run.id);
        const noWait = await f.ops.cutShort(disable!.id, await f.actor(ALICE), f.origin('po-2-nowait'));
        expect(noWait).toEqual({ type: 'text', text: `"${disable!.title}" has no wait to cut short.` });
        expect((await f.store.steps.get(probe.id))!.cutShortBy).toBeNull();

        const cut = await f.ops.cutShort(probe.id, await f.actor(ALICE), f.origin('po-2-cut'));
        expect(cut).toMatchObject({ type: 'text', text: 'Disable auto entry now: the wait is over.' });
        await f.host.supervisor.waitFor('auto_entry_supervisor', 'STOPPED');
        const again = await f.ops.cutShort(probe.id, await f.actor(BOB), f.origin('po-2-again'));
        expect(JSON.stringify(again)).toContain('not waiting any more');
        // The click was the go-ahead: the stop ran without asking again (supervisord says STOPPED
        // before the agent's answer reaches the engine, so the step is waited for, not read at once).
        await until('the stop step ended', async () => {
          const state = (await f.store.steps.get(disable!.id))?.state;
          return state === 'succeeded' || state === 'failed' ? state : undefined;
        });
        const steps = await f.store.runs.steps(run.run.id);
        expect(steps[0]).toMatchObject({ state: 'failed', cutShortBy: ALICE });
        expect(steps[1]!.state).toBe('succeeded');
        const cuts = await f.store.audit.list({ action: 'step.wait_cut_short' });
        expect(cuts.map((a) => [a.actor, a.outcome])).toEqual([[ALICE, 'ok']]);
        // Each refusal is audited: the role (CAROL) and the wait already over (BOB).
        const refusals = await f.store.audit.list({ target: `step:${probe.id}` });
        expect(
          refusals
            .filter((a) => a.outcome !== 'ok')
            .map((a) => a.actor)
            .sort(),
        ).toEqual([BOB, CAROL].sort());
        await f.ops.cancelRun(run.run.id, await f.actor(ALICE), f.origin('po-2-cancel'));
      } finally {
        f.kalshi.status = 200;
        await f.hosts.run('db1', { action: 'service.start', params: { service: 'auto_entry_supervisor' } });
      }
    },
  );
});
