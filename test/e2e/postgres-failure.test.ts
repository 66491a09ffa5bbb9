import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dateOfDump } from '@recio/bot/runbooks/restore-choice';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { breakScenario, DROPPED_TABLE } from '@recio/sandbox/index';
import { ActionId } from '@recio/bot/slack/ids';
import { record } from './support/measure.js';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { dbNow, programs, rowCount, rowsSince, tableExists, type ProgramFact } from './support/sandbox-facts.js';
import { ALICE, BOB, OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * §1.1 PostgreSQL failure, the corrupted-database branch, end to end: kalshi_market_snapshots is
 * dropped in the sandbox → the monitor opens the incident → a lead_operator runs the recovery →
 * the restore waits for a SECOND lead_operator, who approves by typing the dump's date → only the
 * dropped table is restored from the nightly dump (today's prices stay) and the plan's four dependents
 * restarted → checklist green → Resolve → report.
 * The plan makes a person type 4 commands, plus the psql restore.
 */
let stack: E2EStack;
let ops: Operators;
const t: Record<string, number> = {};
const DEPENDENTS = ['trade_manager', 'trade_executor', 'active_trade_supervisor', 'auto_entry_supervisor'];
let incidentId: string;
let parent: MessageRecord;
let before: Record<string, ProgramFact>;
let brokeAt: Date;

beforeAll(async () => {
  stack = await startStack();
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
});
afterAll(async () => {
  await stack?.stop();
});

describe('postgres-failure, drop-table (§1.1)', () => {
  test('the dropped table opens the database incident in the ops channel', async () => {
    before = await programs(stack.sandbox);
    expect(await rowCount(stack.sandbox, DROPPED_TABLE)).toBeGreaterThan(0);
    brokeAt = await dbNow(stack.sandbox);
    t.break = performance.now();
    await breakScenario(stack.sandbox, 'postgres-failure', { variant: 'drop-table' });
    ({
      incident: { id: incidentId },
      parent,
    } = await ops.incidentPosted('db:sbx1'));
    t.detected = performance.now();
    expect(readable(parent)).toContain(`Database tables missing on sbx1: ${DROPPED_TABLE}`);
    expect(readable(parent)).toContain('runbook `postgres-failure`');
    expect(buttonsOf(parent)).toEqual([ActionId.ackIncident, ActionId.runRecovery, ActionId.openChecklist]);
    expect(await tableExists(stack.sandbox, DROPPED_TABLE)).toBe(false);
  });

  test(
    'Run recovery: the database answers, \\dt misses the table, ' + 'and the restore waits for a second lead_operator',
    async () => {
      await ops.click(ALICE, parent, ActionId.ackIncident, 'Acknowledge');
      await ops.click(ALICE, parent, ActionId.runRecovery, 'Run recovery');
      const approval = await ops.replyWithButton(parent, 'Restore from the latest backup', ActionId.approve);
      expect(readable(approval)).toContain(`<@${ALICE}> asks to run`);
      expect(readable(approval)).toContain('`db.restore` on `sbx1`');
      const [run] = await ops.runsOf(incidentId);
      const steps = await stack.bot.core.store.runs.steps(run!.id);
      expect(steps.slice(0, 4).map((s) => [s.title, s.state])).toEqual([
        ['Check the PostgreSQL service', 'succeeded'],
        ['Restart PostgreSQL (it was down)', 'skipped'],
        ['Validate DB integrity (\\dt shows the expected tables)', 'failed'],
        ['Restore from the latest backup', 'awaiting_approval'],
      ]);
      // The one who asked cannot approve it: a second person is the point.
      await stack.slack.deliver.click({ user: ALICE, channel: OPS, ts: approval.ts, actionId: ActionId.approve });
      await eventually(() => expect(ops.answersTo(ALICE).at(-1)).toContain('a second lead_operator must approve it'));
      expect(await tableExists(stack.sandbox, DROPPED_TABLE)).toBe(false);
    },
  );

  test("bob approves by typing the dump's date; only the dropped table is restored, today's prices stay; " +
    'the four dependents restarted', async () => {
    const approval = await ops.replyWithButton(parent, 'Restore from the latest backup', ActionId.approve);
    // The approval was bound to the newest dump when it was asked for: its name and SHA-256.
    const dumps = readdirSync(stack.sandbox.backupsDir).filter((f) => /^db_.*\.sql$/.test(f));
    const newest = dumps.sort().at(-1)!;
    const sha256 = readFileSync(join(stack.sandbox.backupsDir, `${newest}.sha256`), 'utf8').split(' ')[0];
    // Prices written since the break (so after the dump): a full restore would take them away.
    const pricesSinceBreak = await rowsSince(stack.sandbox, 'btc_price_log', brokeAt);
    expect(pricesSinceBreak).toBeGreaterThan(0);
    await ops.approve(BOB, approval, dateOfDump(newest)!);
    await eventually(() =>
      expect(readable(stack.slack.state.message(OPS, approval.ts)!)).toContain(`Approved by <@${BOB}>`),
    );
    const run = await ops.runEnded(incidentId, 'postgres-failure', 120_000);
    expect(run.state, await ops.describeRun(run)).toBe('succeeded');
    expect(await tableExists(stack.sandbox, DROPPED_TABLE)).toBe(true);
    const restore = (await stack.bot.core.store.runs.steps(run.id)).find((s) => s.action === 'db.restore')!;
    expect(restore.params).toEqual({ file: newest, sha256, tables: [DROPPED_TABLE] });
    expect((restore.result as { data: { scope: string } }).data.scope).toBe('tables');
    expect(await rowsSince(stack.sandbox, 'btc_price_log', brokeAt)).toBeGreaterThanOrEqual(pricesSinceBreak);
    // Yesterday's snapshots are back from the dump, and new ones are flowing in again.
    await eventually(async () =>
      expect(await rowCount(stack.sandbox, DROPPED_TABLE)).toBeGreaterThan(
        await rowsSince(stack.sandbox, DROPPED_TABLE, brokeAt),
      ),
    );
    const restoredAt = await dbNow(stack.sandbox);
    await eventually(async () => expect(await rowsSince(stack.sandbox, DROPPED_TABLE, restoredAt)).toBeGreaterThan(0));
    const after = await programs(stack.sandbox);
    for (const name of DEPENDENTS) {
      expect(after[name], name).toMatchObject({ state: 'RUNNING' });
      expect(after[name]!.pid, name).not.toBe(before[name]!.pid);
    }
    // The plan restarts only its four dependents: the watchdogs keep their pids.
    expect(after.btc_price_watchdog!.pid).toBe(before.btc_price_watchdog!.pid);
  }, 180_000);

  test(
    'checklist green (\\dt complete again), Resolve, ' +
      'and the report in the thread names the restore and who approved it',
    async () => {
      await ops.checklistToGreen(ALICE, incidentId, parent);
      t.green = performance.now();
      await ops.resolve(ALICE, incidentId, parent);
      const report = (await stack.bot.core.store.incidents.get(incidentId))!.report!;
      expect(report).toContain('Restore from the latest backup');
      expect(report).toContain(BOB);
      record({
        scenario: 'postgres-failure (drop-table → restore)',
        planCommands: 5,
        operatorActions: ops.actions,
        breakToDetectMs: t.detected! - t.break!,
        breakToGreenMs: t.green! - t.break!,
      });
    },
  );
});
