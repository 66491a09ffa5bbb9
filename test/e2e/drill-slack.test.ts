import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import type { DrillResult } from '@recio/bot/drills/index';
import { BAD_TAG, GOOD_TAG } from '@recio/sandbox/index';
import { drillReminder } from '@recio/bot/scheduler/drill-reminder';
import { ActionId } from '@recio/bot/slack/ids';
import { eventually, Operators, readable } from './support/operator.js';
import { agentCalls, checkedOutTag, programs, type ProgramFact } from './support/sandbox-facts.js';
import { ALICE, DAVE, OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * `/recio drill bad-release` from Slack, against the bot's own sandbox fleet: the drill deploys the
 * bad tag for real, the bot's monitor opens the incident in the ops channel, the drill recovers it
 * through the same core (as `drill`; the person who asked approves the rollback), the checklist
 * goes green, both incidents are resolved, and the result is posted and stored as kind `drill`.
 */
let stack: E2EStack;
let ops: Operators;
let before: Record<string, ProgramFact>;

beforeAll(async () => {
  stack = await startStack();
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
  await eventually(() => expect(agentCalls(stack.sandbox, 'deploy.current')).toBeGreaterThanOrEqual(2));
});
afterAll(async () => {
  await stack?.stop();
});

const drillPost = () =>
  stack.slack.state
    .messagesIn(OPS, { topLevelOnly: true })
    .find((m) => readable(m).includes('Drill: bad-release') || readable(m).includes('Drill bad-release'));

describe('/recio drill', () => {
  test('is for lead_operators; one asks, the drill starts at once and says who approves', async () => {
    await stack.slack.deliver.slashCommand({ user: DAVE, channel: OPS, text: 'drill bad-release' });
    await eventually(() => expect(ops.answersTo(DAVE).at(-1)).toContain('Not allowed'));
    before = await programs(stack.sandbox);
    await stack.slack.deliver.slashCommand({ user: ALICE, channel: OPS, text: 'drill bad-release' });
    await eventually(() =>
      expect(ops.answersTo(ALICE).join('\n')).toMatch(
        /Drill started: bad-release \(deploy\) on the sandbox — drill `[0-9a-f]{8}`/,
      ),
    );
    expect(ops.answersTo(ALICE).at(-1)).toContain('You are its second person for approvals');
    await stack.slack.deliver.slashCommand({ user: ALICE, channel: OPS, text: 'drill service-crash' });
    await eventually(() => expect(ops.answersTo(ALICE).at(-1)).toContain('A drill is running already'));
  });

  test('the bot detects and recovers the bad deploy for real; ' +
    'the result is posted and the sandbox is back on the good tag', async () => {
    const post = await eventually(
      () => {
        const m = drillPost();
        expect(m && readable(m)).toMatch(/Drill bad-release \(deploy\) on .*: PASSED/);
        return m!;
      },
      150_000,
      500,
    );
    await eventually(() =>
      expect(stack.slack.state.repliesTo(OPS, post.ts).map(readable).join('\n')).toMatch(/break → green\s+\d+\.\d s/),
    );
    expect(await checkedOutTag(stack.sandbox)).toBe(GOOD_TAG);
    const after = await programs(stack.sandbox);
    for (const name of RECIO_PROGRAMS) {
      expect(after[name], name).toMatchObject({ state: 'RUNNING' });
      expect(after[name]!.pid, name).not.toBe(before[name]!.pid);
    }
  }, 180_000);

  test(
    'the drill is an incident of kind drill, with its times, actions and report; ' +
      'the incident it caused is resolved with a note',
    async () => {
      const store = stack.bot.core.store;
      const drill = (await store.incidents.listRecent(10)).find((i) => i.kind === 'drill')!;
      expect(drill).toMatchObject({ status: 'resolved', openedBy: ALICE, severity: 'sev4' });
      const result = (await store.timeline.list({ incidentId: drill.id })).find((e) => e.kind === 'drill_result')!
        .detail as unknown as DrillResult;
      expect(result).toMatchObject({ ok: true, scenario: 'bad-release', failures: [] });
      expect(result.timeToDetectMs).toBeGreaterThan(0);
      expect(result.timeToGreenMs).toBeGreaterThan(result.timeToRecoveredMs!);
      expect(result.operatorActions).toEqual([
        'acknowledge',
        'run recovery',
        `approve "Roll back to ${GOOD_TAG}" as ${ALICE}`,
        'open checklist',
        'confirm: Trades can be placed and confirmed',
        'resolve',
      ]);
      expect(drill.report).toContain('# Drill: bad-release (deploy) — passed');

      const caused = (await store.incidents.get(result.incidentId!))!;
      expect(caused).toMatchObject({
        kind: 'incident',
        fingerprint: `release:sbx1/${BAD_TAG}`,
        status: 'resolved',
        resolvedBy: 'drill',
        channel: OPS,
      });
      expect((await store.timeline.list({ incidentId: caused.id })).map((e) => e.text).join('\n')).toContain(
        `injected on purpose by drill ${drill.id.slice(0, 8)}`,
      );
      // The second person was the one who asked; the drill itself requested the rollback.
      const decided = await store.audit.list({ action: 'approval.decided' });
      expect(decided.map((a) => [a.actor, a.outcome])).toEqual([[ALICE, 'approved']]);
      expect((await store.audit.list({ action: 'run.requested' })).map((a) => a.actor)).toEqual(['drill', 'drill']);
    },
  );

  test('the quarterly reminder says when the last drill was and its button starts the next in turn; ' +
    'the App Home shows the last drill too', async () => {
    const store = stack.bot.core.store;
    const today = new Date().toISOString().slice(0, 10);
    expect(await drillReminder({ store, opsChannel: OPS })).toEqual({ posted: true, next: 'postgres-failure' });
    expect(await drillReminder({ store, opsChannel: OPS })).toEqual({ posted: false, next: 'postgres-failure' });
    stack.bot.publisher.wake();
    const reminder = await eventually(() => {
      const m = stack.slack.state
        .messagesIn(OPS, { topLevelOnly: true })
        .find((r) => readable(r).includes('Quarterly drill'));
      expect(m && readable(m)).toContain(`Last drill: *${today} (bad-release), today*`);
      return m!;
    });
    expect(readable(reminder)).toContain('Next in turn: *postgres-failure*');
    await stack.slack.deliver.openHome({ user: ALICE });
    await eventually(() =>
      expect(JSON.stringify(stack.slack.state.homeOf(ALICE)?.view.blocks)).toMatch(
        /Last drill: .*\(bad-release\) · next in turn: postgres-failure/,
      ),
    );

    await stack.slack.deliver.click({ user: DAVE, channel: OPS, ts: reminder.ts, actionId: ActionId.startDrill });
    await eventually(() => expect(ops.answersTo(DAVE).at(-1)).toContain('Not allowed'));
    await stack.slack.deliver.click({ user: ALICE, channel: OPS, ts: reminder.ts, actionId: ActionId.startDrill });
    await eventually(() =>
      expect(ops.answersTo(ALICE).at(-1)).toMatch(/Drill started: postgres-failure \(\w[\w-]*\) on the sandbox/),
    );
    // Held to its end, so the stack stops on a sandbox at rest.
    await eventually(
      () =>
        expect(
          stack.slack.state
            .messagesIn(OPS, { topLevelOnly: true })
            .map(readable)
            .some((t) => /Drill postgres-failure \(.*\) on .*: PASSED/.test(t)),
        ).toBe(true),
      150_000,
      500,
    );
  }, 240_000);
});
