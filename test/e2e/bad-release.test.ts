import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { BAD_TAG, breakScenario, GOOD_TAG } from '@recio/sandbox/index';
import { ActionId, CallbackId } from '@recio/bot/slack/ids';
import { record } from './support/measure.js';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { checkedOutTag, dbNow, programs, rowsSince, type ProgramFact } from './support/sandbox-facts.js';
import { ALICE, BOB, startStack, type E2EStack } from './support/stack.js';

/**
 * §1.4 Bad release, end to end: the bad tag is deployed in the sandbox (checkout, pip install,
 * restart all) while the bot is down, and every program dies at start → the bot started after the
 * deploy (a new process: what it knew is in the store) ties the failures, polled and pushed by
 * supervisord, to the deploy and opens one release incident naming the last good tag → Run
 * recovery → the rollback waits for a second lead_operator, who approves by typing the tag →
 * rolled back, smoke-tested → checklist green → Resolve → report. The plan makes a person type 4
 * commands, then smoke-test by hand.
 */
let stack: E2EStack;
let ops: Operators;
const t: Record<string, number> = {};
let incidentId: string;
let parent: MessageRecord;
let before: Record<string, ProgramFact>;

beforeAll(async () => {
  stack = await startStack();
  ops = new Operators(stack);
  // The monitor must have seen the good release run to know what the bad one replaced: in the store, so a
  // bot started later knows it too.
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
  await eventually(async () =>
    expect((await stack.storeDb.query('SELECT tag FROM deploy_history WHERE good_at IS NOT NULL')).rows).toEqual([
      { tag: GOOD_TAG },
    ]),
  );
});
afterAll(async () => {
  await stack?.stop();
});

describe('bad-release (§1.4)', () => {
  test('a bot started after the bad deploy opens ONE incident: the release, with the last good tag', async () => {
    before = await programs(stack.sandbox);
    expect(await checkedOutTag(stack.sandbox)).toBe(GOOD_TAG);
    await stack.restartBot(async () => {
      t.break = performance.now();
      await breakScenario(stack.sandbox, 'bad-release');
    });
    ({
      incident: { id: incidentId },
      parent,
    } = await ops.incidentPosted(`release:sbx1/${BAD_TAG}`));
    t.detected = performance.now();
    expect(readable(parent)).toContain(`Services failing after deploy of ${BAD_TAG} on sbx1`);
    expect(buttonsOf(parent)).toEqual([ActionId.ackIncident, ActionId.runRecovery, ActionId.openChecklist]);
    const incident = (await stack.bot.core.store.incidents.get(incidentId))!;
    expect(incident.detail).toMatchObject({ value: GOOD_TAG });
    // Six programs failing is one fault, the deploy: no incident per program.
    expect((await stack.bot.core.store.incidents.listUnresolved()).map((i) => i.fingerprint)).toEqual([
      `release:sbx1/${BAD_TAG}`,
    ]);
  });

  test(
    'Run recovery lists the tags, ' + 'then the rollback to the last good tag waits for a second lead_operator',
    async () => {
      await ops.click(ALICE, parent, ActionId.ackIncident, 'Acknowledge');
      await ops.click(ALICE, parent, ActionId.runRecovery, 'Run recovery');
      const approval = await ops.replyWithButton(parent, `Roll back to ${GOOD_TAG}`, ActionId.approve);
      expect(readable(approval)).toContain('`deploy.rollback` on `sbx1`');
      expect(readable(approval)).toContain(`{"tag":"${GOOD_TAG}"}`);
      expect(await checkedOutTag(stack.sandbox)).toBe(BAD_TAG);
    },
  );

  test('a wrong tag typed in the confirmation records nothing; bob types the tag, ' +
    'the rollback runs and is smoke-tested', async () => {
    const approval = await ops.replyWithButton(parent, `Roll back to ${GOOD_TAG}`, ActionId.approve);
    await stack.slack.deliver.click({
      user: BOB,
      channel: approval.channel,
      ts: approval.ts,
      actionId: ActionId.approve,
    });
    await eventually(() =>
      expect(stack.slack.state.openModal(BOB)?.view.callback_id).toBe(CallbackId.confirmApprovalModal),
    );
    await stack.slack.deliver.submitView({ user: BOB, values: { recio_typed_name: BAD_TAG } });
    await eventually(() =>
      expect(stack.slack.state.openModal(BOB)?.errors?.recio_typed_name).toContain(`Type \`${GOOD_TAG}\` exactly`),
    );
    expect(await checkedOutTag(stack.sandbox)).toBe(BAD_TAG);
    await stack.slack.deliver.closeView({ user: BOB, all: true });

    await ops.approve(BOB, approval, GOOD_TAG);
    const run = await ops.runEnded(incidentId, 'bad-release', 150_000);
    expect(run.state, await ops.describeRun(run)).toBe('succeeded');
    expect(await checkedOutTag(stack.sandbox)).toBe(GOOD_TAG);
    const after = await programs(stack.sandbox);
    for (const name of RECIO_PROGRAMS) {
      expect(after[name], name).toMatchObject({ state: 'RUNNING' });
      expect(after[name]!.pid, name).not.toBe(before[name]!.pid);
    }
    const since = await dbNow(stack.sandbox);
    await eventually(async () => expect(await rowsSince(stack.sandbox, 'btc_price_log', since)).toBeGreaterThan(0));
    await eventually(async () =>
      expect(await rowsSince(stack.sandbox, 'kalshi_market_snapshots', since)).toBeGreaterThan(0),
    );
  }, 180_000);

  test('checklist green, Resolve, the report in the thread', async () => {
    await ops.checklistToGreen(ALICE, incidentId, parent);
    t.green = performance.now();
    await ops.resolve(ALICE, incidentId, parent);
    expect((await stack.bot.core.store.incidents.get(incidentId))!.report).toContain(`Roll back to ${GOOD_TAG}`);
    // The rollback itself (a new head while the programs still failed) was not taken for another bad deploy.
    expect((await stack.bot.core.store.incidents.listRecent(10)).map((i) => i.fingerprint)).toEqual([
      `release:sbx1/${BAD_TAG}`,
    ]);
    record({
      scenario: 'bad-release (rollback)',
      planCommands: 4,
      operatorActions: ops.actions,
      breakToDetectMs: t.detected! - t.break!,
      breakToGreenMs: t.green! - t.break!,
    });
  });
});
