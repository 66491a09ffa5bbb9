import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALICE, BOB, startEngineFixture, asRun, runReaches, type EngineFixture } from '../support/engine-fixture.js';
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
  // The provider-outage runbook with its 15-minute and 12-hour windows shortened to seconds.
  const runbooks = join(dir, 'commands');
  cpSync(resolve(import.meta.dirname, '../../commands'), runbooks, { recursive: true });
  const outage = join(runbooks, 'provider-outage.yml');
  writeFileSync(
    outage,
    readFileSync(outage, 'utf8')
      .replace('retry: { every: 30s, within: 15m }', 'retry: { every: 1s, within: 3s }')
      .replace('retry: { every: 30s, within: 12h }', 'retry: { every: 1s, within: 60s }'),
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
  test(
    'past the window auto entries are disabled on a go-ahead, ' + 'and re-enabled once the provider is healthy',
    async () => {
      f.kalshi.status = 503;
      const run = asRun(
        await f.ops.handle(
          { kind: 'run', scenario: 'provider-outage', dryRun: false },
          await f.actor(ALICE),
          f.origin('po-1'),
        ),
      );
      expect((await run.done).state).toBe('awaiting_approval');
      const steps = await f.store.runs.steps(run.run.id);
      expect(steps.map((s) => s.state)).toEqual(['failed', 'awaiting_approval', 'pending', 'pending']);
      await f.ops.confirmStep(steps[1]!.id, await f.actor(ALICE), f.origin('po-1-disable'));
      await f.host.supervisor.waitFor('auto_entry_supervisor', 'STOPPED');
      f.kalshi.status = 200;
      const reenable = await until('the re-enable offer', async () =>
        (await f.store.steps.get(steps[3]!.id))?.state === 'awaiting_approval' ? steps[3] : undefined,
      );
      await f.ops.confirmStep(reenable!.id, await f.actor(ALICE), f.origin('po-1-enable'));
      const finished = await runReaches(f.store, run.run.id);
      expect(finished.state).toBe('succeeded');
      expect((await f.host.supervisor.program('auto_entry_supervisor')).state).toBe('RUNNING');
    },
  );
});
