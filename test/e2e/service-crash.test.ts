import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { breakScenario } from '@recio/sandbox/index';
import { ActionId } from '@recio/bot/slack/ids';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { record } from './support/measure.js';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { dbNow, programs, rowsSince } from './support/sandbox-facts.js';
import { ALICE, DAVE, OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * §1.2 Service crash, end to end: trade_executor killed and crash-looping in the sandbox → the
 * monitor opens the incident thread → a lead_operator acknowledges and runs the recovery from the
 * parent message → the checklist goes green → Resolve → the report in the thread. The plan makes a
 * person type 2 commands (tail, restart).
 */
let stack: E2EStack;
let ops: Operators;
const SERVICE = 'trade_executor';
const t: Record<string, number> = {};
let incidentId: string;
let parent: MessageRecord;
let pidBefore: number | null;

beforeAll(async () => {
  stack = await startStack();
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
});
afterAll(async () => {
  await stack?.stop();
});

/** One click on Run recovery, and the run it started, once ended. */
async function recover() {
  const before = (await ops.runsOf(incidentId)).length;
  await ops.click(ALICE, await ops.parentNow(incidentId), ActionId.runRecovery, 'Run recovery');
  await eventually(async () => expect((await ops.runsOf(incidentId)).length).toBe(before + 1));
  return ops.runEnded(incidentId, 'service-crash');
}

describe('service-crash (§1.2)', () => {
  test('the crash-loop opens one incident thread in the ops channel, with its runbook on the buttons', async () => {
    pidBefore = (await programs(stack.sandbox))[SERVICE]!.pid;
    expect(pidBefore).toBeGreaterThan(0);
    t.break = performance.now();
    await breakScenario(stack.sandbox, 'service-crash', { service: SERVICE });
    ({
      incident: { id: incidentId },
      parent,
    } = await ops.incidentPosted(`program:sbx1/${SERVICE}`));
    t.detected = performance.now();
    expect(parent.channel).toBe(OPS);
    expect(readable(parent)).toMatch(new RegExp(`${SERVICE} (BACKOFF|FATAL|EXITED) on sbx1`));
    expect(readable(parent)).toContain('runbook `service-crash`');
    expect(buttonsOf(parent)).toEqual([ActionId.ackIncident, ActionId.runRecovery, ActionId.openChecklist]);
    expect((await programs(stack.sandbox))[SERVICE]!.state).not.toBe('RUNNING');
    const open = (await stack.bot.core.store.incidents.listUnresolved()).map((i) => i.fingerprint);
    expect(open).toEqual([`program:sbx1/${SERVICE}`]);
  });

  test(
    'a person without a role is refused; a lead_operator acknowledges and runs the recovery from ' + 'the thread',
    async () => {
      await stack.slack.deliver.click({ user: DAVE, channel: OPS, ts: parent.ts, actionId: ActionId.runRecovery });
      await eventually(() => expect(ops.answersTo(DAVE).at(-1)).toContain('Not allowed'));
      expect(await ops.runsOf(incidentId)).toEqual([]);

      await ops.click(ALICE, parent, ActionId.ackIncident, 'Acknowledge');
      await eventually(async () =>
        expect(readable(await ops.parentNow(incidentId))).toContain(`Acknowledged by <@${ALICE}>`),
      );
      // One click: a restart of a program still in BACKOFF lets supervisord finish its retries
      // (its retry count resets only on RUNNING or FATAL), then really restarts it.
      const run = await recover();
      expect(run.state, await ops.describeRun(run)).toBe('succeeded');
      expect(run.requestedBy).toBe(ALICE);
      await eventually(() =>
        expect(ops.thread(parent).map(readable).join('\n')).toMatch(/Service crash \(trade_executor\)[\s\S]*SUCCEEDED/),
      );
    },
  );

  test('the sandbox really recovered: a new pid, RUNNING, and its heartbeat and the feeds writing again', async () => {
    const after = (await programs(stack.sandbox))[SERVICE]!;
    expect(after.state).toBe('RUNNING');
    expect(after.pid).not.toBe(pidBefore);
    const since = await dbNow(stack.sandbox);
    await eventually(async () => expect(await rowsSince(stack.sandbox, 'btc_price_log', since)).toBeGreaterThan(0));
    await eventually(async () =>
      expect(await rowsSince(stack.sandbox, 'kalshi_market_snapshots', since)).toBeGreaterThan(0),
    );
  });

  test(
    'Open checklist: every probe ticks, a lead_operator confirms the trades item, the checklist is ' + 'GREEN',
    async () => {
      await ops.checklistToGreen(ALICE, incidentId, parent);
      t.green = performance.now();
      expect((await ops.runEnded(incidentId, 'verify')).state).toBe('succeeded');
    },
  );

  test(
    'green and healthy: Resolve is offered on the parent; resolving uploads the report into the ' + 'thread',
    async () => {
      const report = await ops.resolve(ALICE, incidentId, parent);
      await eventually(async () =>
        expect(readable(await ops.parentNow(incidentId))).toContain(`*Resolved* by <@${ALICE}>`),
      );
      const markdown = (await stack.bot.core.store.incidents.get(incidentId))!.report!;
      expect(markdown).toContain(SERVICE);
      expect(markdown).toMatch(/Restart trade_executor/);
      expect(report.content?.toString()).toBe(markdown);
      record({
        scenario: 'service-crash',
        planCommands: 2,
        operatorActions: ops.actions,
        breakToDetectMs: t.detected! - t.break!,
        breakToGreenMs: t.green! - t.break!,
      });
    },
  );
});
