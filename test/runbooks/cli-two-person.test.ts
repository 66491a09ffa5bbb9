import { rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerRunCommands } from '@recio/bot/cli/run-commands';
import { startRunResume } from '@recio/bot/scheduler/run-resume';
import { createGroupMembers, createSlackWebClient } from '@recio/bot/slack/index';
import { ALICE, asRun, BOB, runReaches, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { testLogger } from '../support/test-logger.js';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * The two-person rule across surfaces, attacked from a shell on the bot host: the terminal user is
 * the one the OS says (here the test's own unix user), mapped to a Slack id by RECIO_CLI_USERS.
 * The person who asked may not approve from the other surface; an unmapped terminal user only
 * reads; someone taken out of the leads' user group a moment ago cannot approve on a cached lookup.
 */
const ME = userInfo().username;
const DAVE = 'UDAVE0005';
const LEADS = 'S0LEADS0001';
const cliUsers: Record<string, string> = {};
let f: EngineFixture;
let slack: SlackFake;
let dir: string;

beforeAll(async () => {
  slack = await startSlackFake();
  dir = await ownedTempDir('runbooks');
  await writeFile(
    join(dir, 'restore-now.yml'),
    'id: restore-now\ntitle: Restore now\nsteps:\n' +
      '  - { id: restore, title: Restore the newest dump, role: db, action: db.restore, approval: second_person }\n',
  );
  await writeFile(
    join(dir, 'look-twice.yml'),
    'id: look-twice\ntitle: Look, with a second person\nsteps:\n' +
      '  - { id: look, title: Read the programs, role: app, action: service.status, approval: second_person }\n' +
      '  - { id: again, title: Read them again, role: app, action: service.status }\n',
  );
  f = await startEngineFixture({
    runbooksDir: dir,
    cliUsers,
    roles: { lead_operator: [ALICE, BOB, LEADS], system_architect: [], security_officer: [] },
    groupsOf: createGroupMembers(createSlackWebClient({ botToken: slack.tokens.bot, apiUrl: slack.apiUrl })),
  });
});
afterAll(async () => {
  await f?.stop();
  await slack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `recio …` as the terminal runs it, over the fixture's core (which the command must not close). */
async function recio(...args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const out: string[] = [];
  let exitCode: number | undefined;
  const program = new Command('recio').exitOverride();
  registerRunCommands(program, {
    openCore: async () => ({ ...f.core, close: async () => undefined }),
    print: (line) => out.push(line),
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  await program.parseAsync(['node', 'recio', ...args]);
  return { out: out.join('\n'), exitCode };
}

/** A restore asked for by `who`, waiting for its second person; its approval id. */
async function restoreAskedBy(who: string, key: string): Promise<{ approvalId: string; stepId: string }> {
  const run = await asRun(
    await f.ops.handle({ kind: 'run', scenario: 'restore-now', dryRun: false }, await f.actor(who), f.origin(key)),
  ).done;
  expect(run.state).toBe('awaiting_approval');
  return approvalOf(run.id);
}

async function approvalOf(runId: string): Promise<{ approvalId: string; stepId: string }> {
  const event = (await f.store.timeline.list({ runId })).find((e) => e.kind === 'approval_requested')!;
  return { approvalId: (event.detail as { approvalId: string }).approvalId, stepId: event.stepId! };
}

const refusals = async (reason: string) =>
  (await f.store.audit.list({ action: 'request.refused' })).filter(
    (a) => (a.detail as { reason?: string }).reason === reason,
  );

describe('RECIO_CLI_USERS: the terminal user is a Slack person, with that person’s roles', () => {
  test('asked in Slack by alice, approved in the terminal by alice (mapped): refused, nothing runs', async () => {
    const { approvalId, stepId } = await restoreAskedBy(ALICE, 'ask-slack');
    cliUsers[ME] = ALICE;
    const before = (await refusals('self_approval')).length;
    const approve = await recio('approve', approvalId);
    expect(approve.out).toContain('You asked for this one: a second lead_operator must approve it.');
    expect((await f.store.steps.get(stepId))?.state).toBe('awaiting_approval');
    const rows = await refusals('self_approval');
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ actor: ALICE, detail: { surface: 'cli' } });
    // Another lead, mapped to the terminal instead, is the second person (deny: nothing is restored).
    cliUsers[ME] = BOB;
    const deny = await recio('deny', approvalId);
    expect(deny.out).toContain('Denied: Restore the newest dump.');
    const decided = (await f.store.audit.list({ action: 'approval.decided' })).filter(
      (a) => (a.detail as { approval: string }).approval === approvalId,
    );
    expect(decided).toMatchObject([{ actor: BOB, outcome: 'denied', detail: { via: `cli:${ME}` } }]);
  });

  test('asked in the terminal by bob (mapped), approved in Slack by bob: refused', async () => {
    cliUsers[ME] = BOB;
    const ask = await recio('run', 'restore-now');
    expect(ask.exitCode).toBe(2);
    const run = (await f.store.runs.listActive()).find((r) => r.requestedBy === BOB && r.scenario === 'restore-now')!;
    const { approvalId, stepId } = await approvalOf(run.id);
    const self = await f.ops.decideApproval(approvalId, 'approved', await f.actor(BOB), f.origin('bob-slack'));
    expect(self).toMatchObject({ text: expect.stringContaining('You asked for this one') });
    expect((await f.store.steps.get(stepId))?.state).toBe('awaiting_approval');
    await f.ops.decideApproval(approvalId, 'denied', await f.actor(ALICE), f.origin('alice-deny'));
  });

  test('a terminal user not in RECIO_CLI_USERS may read, and nothing else: no restart, no approval', async () => {
    delete cliUsers[ME];
    const { approvalId, stepId } = await restoreAskedBy(ALICE, 'ask-unmapped');
    const approve = await recio('approve', approvalId);
    expect(approve).toMatchObject({ exitCode: 77 });
    expect(approve.out).toContain(`Not allowed: ${ME} is not in RECIO_CLI_USERS, so this terminal may only read.`);
    expect((await f.store.steps.get(stepId))?.state).toBe('awaiting_approval');
    const restart = await recio('restart', 'trade_executor');
    expect(restart.exitCode).toBe(77);
    const tail = await recio('tail', 'trade_executor', '5');
    expect(tail.out).not.toContain('Not allowed');
    expect(tail.exitCode).not.toBe(77);
    const denied = await f.store.audit.list({ action: 'request.denied' });
    expect(denied.filter((a) => a.actor === `cli:${ME}`).map((a) => a.target)).toEqual(
      expect.arrayContaining([`approval:${approvalId}`, 'restart']),
    );
    await f.ops.decideApproval(approvalId, 'denied', await f.actor(BOB), f.origin('bob-deny'));
  });
});

describe('approvals look role membership up fresh', () => {
  test('dave, taken out of the leads’ group after his roles were read, cannot approve on that stale read', async () => {
    slack.workspace.usergroups.get(LEADS)!.users.splice(0, Infinity, DAVE);
    const dave = await f.actor(DAVE);
    expect(dave.roles).toContain('lead_operator');
    const { approvalId, stepId } = await restoreAskedBy(ALICE, 'ask-dave');
    slack.workspace.usergroups.get(LEADS)!.users.splice(0, Infinity);
    // The cached lookup still says he is a lead (that cache serves reads) ...
    expect((await f.actor(DAVE)).roles).toContain('lead_operator');
    // ... the approval asks Slack again, and refuses him.
    const answer = await f.ops.decideApproval(approvalId, 'approved', dave, f.origin('dave-approve'));
    expect(answer).toMatchObject({
      type: 'denied',
      text: expect.stringContaining('approving is for a second lead_operator'),
    });
    expect((await f.store.steps.get(stepId))?.state).toBe('awaiting_approval');
    const denied = (await f.store.audit.list({ action: 'request.denied' })).filter((a) => a.actor === DAVE);
    expect(denied.at(-1)).toMatchObject({
      target: `approval:${approvalId}`,
      detail: { permission: 'approve', roles: [] },
    });
    await f.ops.decideApproval(approvalId, 'denied', await f.actor(BOB), f.origin('bob-deny-dave'));
  });
});

describe('an approved run does not stall', () => {
  test('recio approve waits for the run it moved on, step by step, and returns when it has ended', async () => {
    cliUsers[ME] = BOB;
    const run = await asRun(
      await f.ops.handle(
        { kind: 'run', scenario: 'look-twice', dryRun: false },
        await f.actor(ALICE),
        f.origin('look-twice'),
      ),
    ).done;
    expect(run.state).toBe('awaiting_approval');
    const { approvalId } = await approvalOf(run.id);
    const approve = await recio('approve', approvalId);
    expect(approve.out).toContain(`driving run ${run.id} from this terminal; waiting for it`);
    expect(approve.out).toMatch(/✔ Read the programs \[db1\][^\n]*\n[\s\S]*✔ Read them again \[db1\]/);
    expect(approve.out.split('\n').at(-1)).toBe('✔ succeeded');
    expect(approve.exitCode).toBe(0);
    // When the command returns, the run has ended: nothing is left pending for a process that is gone.
    expect((await f.store.runs.get(run.id))?.state).toBe('succeeded');
  });

  test('the leader moves on a run with a runnable step that nobody drives; a standby does not', async () => {
    const { run } = await f.store.runs.create({
      scenario: 'adhoc',
      requestedBy: ALICE,
      channel: 'COPS00001',
      steps: [{ title: 'Read the programs', host: 'db1', action: 'service.status', params: {} }],
    });
    let leader = false;
    const resume = startRunResume(
      { store: f.store, engine: f.engine, logger: testLogger, isLeader: () => leader },
      3_600_000,
    );
    try {
      expect(await resume.tick()).toEqual([]);
      expect((await f.store.runs.get(run.id))?.state).toBe('pending');
      leader = true;
      expect(await resume.tick()).toContain(run.id);
      expect((await runReaches(f.store, run.id)).state).toBe('succeeded');
      expect(await resume.tick()).not.toContain(run.id);
    } finally {
      resume.stop();
    }
  });
});

describe('break-glass at the terminal (Slack down too)', () => {
  test(
    'alice, alone, breaks the glass on her own waiting step only after the wait, with a reason and the ' +
      'typed host; she cannot review it; bob (mapped) can',
    async () => {
      cliUsers[ME] = ALICE;
      const ask = await recio('run', 'look-twice');
      expect(ask.exitCode).toBe(2);
      const run = (await f.store.runs.listActive()).find(
        (r) => r.requestedBy === ALICE && r.scenario === 'look-twice',
      )!;
      const { approvalId } = await approvalOf(run.id);
      const reason = 'Nobody else on call tonight; the programs must be read now';
      const early = await recio('break-glass', approvalId, '--reason', reason, '--target', 'db1');
      expect(early.out).toContain('Break-glass opens once the approval has waited 10 min');
      expect(await refusals('break_glass_too_early')).toHaveLength(1);

      await f.storeDb.query(
        `UPDATE approvals SET created_at = created_at - interval '11 minutes' WHERE id = '${approvalId}'`,
      );
      const short = await recio('break-glass', approvalId, '--reason', 'now', '--target', 'db1');
      expect(short.out).toContain('at least 20 characters');
      const wrong = await recio('break-glass', approvalId, '--reason', reason, '--target', 'db2');
      expect(wrong.out).toContain('Type db1 exactly');
      expect(await refusals('break_glass_reason')).toHaveLength(1);
      expect(await refusals('break_glass_target')).toHaveLength(1);

      const broken = await recio('break-glass', approvalId, '--reason', reason, '--target', 'db1');
      expect(broken.out).toContain('Break-glass recorded: running Read the programs now');
      expect(broken.out.split('\n').at(-1)).toBe('✔ succeeded');
      expect(await f.store.audit.list({ action: 'break_glass.used' })).toMatchObject([
        { actor: ALICE, detail: { reason, via: `cli:${ME}`, surface: 'cli' } },
      ]);
      const listed = await recio('break-glasses');
      expect(listed.out).toContain(`by ${ALICE}`);
      const id = listed.out.split(/\s+/)[0]!;

      const own = await recio('break-glass-review', id, '--note', 'I checked my own break and it was fine');
      expect(own.out).toContain('You broke this glass');
      cliUsers[ME] = BOB;
      const reviewed = await recio('break-glass-review', id, '--note', 'Read-only step, the reason holds up');
      expect(reviewed.out).toContain('Review recorded');
      expect((await recio('break-glasses')).out).toBe('');
    },
  );

  test('a step whose run was cancelled is no longer waiting: the break is refused, audited, nothing runs', async () => {
    cliUsers[ME] = ALICE;
    const ask = await recio('run', 'look-twice');
    expect(ask.exitCode).toBe(2);
    const run = (await f.store.runs.listActive()).find((r) => r.requestedBy === ALICE && r.scenario === 'look-twice')!;
    const { approvalId, stepId } = await approvalOf(run.id);
    await f.storeDb.query(
      `UPDATE approvals SET created_at = created_at - interval '11 minutes' WHERE id = '${approvalId}'`,
    );
    expect((await recio('cancel', run.id)).exitCode).toBe(0);
    const before = (await refusals('break_glass_not_waiting')).length;
    const late = await recio(
      'break-glass',
      approvalId,
      '--reason',
      'Nobody else is on call tonight at all',
      '--target',
      'db1',
    );
    expect(late.out).toContain('no longer waiting for approval');
    expect(await refusals('break_glass_not_waiting')).toHaveLength(before + 1);
    expect((await f.store.steps.get(stepId))?.state).not.toBe('succeeded');
    expect((await f.store.approvals.get(approvalId))?.state).not.toBe('approved');
  });
});
