import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { decideBudgetSeconds, programLimits } from '@recio/agent/supervisor-program-config';
import { breakScenario, heal } from '@recio/sandbox/index';
import { supervisorctlArgv } from '@recio/sandbox/sandbox-supervisor';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { ActionId } from '@recio/bot/slack/ids';
import { eventually, Operators, readable } from './support/operator.js';
import { programs, type ProgramFact } from './support/sandbox-facts.js';
import { ALICE, OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * A cascade as it really happens (issue 13): PostgreSQL stopped, every program loses its
 * connection and exits, supervisord retries and gives up (FATAL), watchdogs included. The
 * dependencies in commands/topology.yml make every program's failure a symptom of the database:
 * exactly one thread in the ops channel, the programs listed on its parent, one reply per program.
 */
let stack: E2EStack;
let ops: Operators;
/** The outage the scenario names: a minute. */
const OUTAGE_MS = 60_000;
let pidsBefore: Record<string, ProgramFact>;
let incidentId: string;
let parentMessage: MessageRecord;

beforeAll(async () => {
  stack = await startStack();
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
});
afterAll(async () => {
  await stack?.stop();
});

const topLevel = () => stack.slack.state.messagesIn(OPS, { topLevelOnly: true });

describe('the database stopped while everything crashes', () => {
  test('exactly one thread in the ops channel: the database, with every program as a symptom', async () => {
    const before = topLevel().length;
    pidsBefore = await programs(stack.sandbox);
    await breakScenario(stack.sandbox, 'postgres-failure', { variant: 'stop' });
    const { incident, parent } = await ops.incidentPosted('db:sbx1');
    incidentId = incident.id;
    parentMessage = parent;
    // Every program, the watchdogs too, gave up: supervisord says FATAL for all six.
    await eventually(
      async () => {
        const now = await programs(stack.sandbox);
        expect(RECIO_PROGRAMS.map((p) => [p, now[p]?.state])).toEqual(RECIO_PROGRAMS.map((p) => [p, 'FATAL']));
      },
      // Three times what supervisord may take to give up, from the sandbox's own config, after the
      // programs' grace for a lost database.
      Math.max(
        OUTAGE_MS,
        3_000 *
          (stack.sandbox.tuning.dbGraceSeconds +
            decideBudgetSeconds(programLimits(supervisorctlArgv(stack.sandbox.paths), 'trade_manager'))),
      ),
      500,
    );
    // The outage goes on past the cascade: two more whole probe rounds find everything down, and
    // still no new thread. (The 60 s outage itself, timed, is bench:incidents' scenario.)
    for (let round = 0; round < 2; round++) await stack.bot.monitor!.probeOnce();
    await heal(stack.sandbox, 'postgres-failure');
    // The monitor sees the database healthy again: told on the cause's timeline.
    await eventually(async () => expect(await ops.timeline(incident.id)).toContain('probe_healthy'), 60_000);

    const threads = topLevel().slice(before);
    expect(threads.map((m) => m.ts)).toEqual([parent.ts]);
    const open = (await stack.bot.core.store.incidents.listUnresolved()).map((i) => i.fingerprint);
    expect(open).toEqual(['db:sbx1']);
    const now = await ops.parentNow(incident.id);
    for (const program of RECIO_PROGRAMS) expect(readable(now)).toContain(`${program} on sbx1`);
    const replies = ops.thread(parent).map(readable);
    for (const program of RECIO_PROGRAMS) {
      expect(
        replies.filter((r) => r.startsWith(`:link: ${program} `)),
        program,
      ).toHaveLength(1);
    }
  }, 240_000);

  test("§1.1 after the database is back: Run recovery starts the fallen watchdogs, then restarts the plan's four, " +
    'each RUNNING with a new pid', async () => {
    await ops.click(ALICE, parentMessage, ActionId.ackIncident, 'Acknowledge');
    // The runbook restores a dump, so Run recovery asks which first; \dt finds every table, so none is used.
    await ops.openRecoveryPicker(ALICE, parentMessage);
    await ops.pickDump(ALICE);
    const run = await ops.runEnded(incidentId, 'postgres-failure', 150_000);
    expect(run.state, await ops.describeRun(run)).toBe('succeeded');
    const steps = await stack.bot.core.store.runs.steps(run.id);
    // Dependency order (commands/topology.yml): auto_entry_supervisor trades on the watchdogs' feeds.
    expect(steps.filter((s) => s.action.startsWith('service.')).map((s) => [s.title, s.state])).toEqual([
      ['Start kalshi_api_watchdog if the outage left it down', 'succeeded'],
      ['Start btc_price_watchdog if the outage left it down', 'succeeded'],
      ['Restart trade_manager', 'succeeded'],
      ['Restart trade_executor', 'succeeded'],
      ['Restart active_trade_supervisor', 'succeeded'],
      ['Restart auto_entry_supervisor', 'succeeded'],
    ]);
    const after = await programs(stack.sandbox);
    for (const program of RECIO_PROGRAMS) {
      expect(after[program], program).toMatchObject({ state: 'RUNNING' });
      expect(after[program]!.pid, program).not.toBeNull();
      expect(after[program]!.pid, program).not.toBe(pidsBefore[program]!.pid);
    }
  }, 200_000);
});
