import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { breakScenario } from '@recio/sandbox/index';
import { ActionId } from '@recio/bot/slack/ids';
import { record } from './support/measure.js';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { dbNow, programs, rowsSince } from './support/sandbox-facts.js';
import { ALICE, startStack, type E2EStack } from './support/stack.js';

/**
 * §1.3 API provider outage, end to end: the Kalshi stand-in answers 503 → the monitor opens the
 * provider incident → Run recovery: the probe keeps failing, so the runbook offers to disable
 * auto_entry_supervisor (a go-ahead) → stopped for real → the outage ends → the runbook sees the
 * providers healthy and offers to re-enable it (a go-ahead) → checklist green → Resolve → report.
 * The plan makes a person probe both providers and stop auto_entry_supervisor (3 commands), and
 * start it again later.
 *
 * The runbook's windows are a 15-minute reconnect wait and a 12-hour recovery wait; this file runs a
 * copy of commands/ (RECIO_RUNBOOKS_DIR) with them shortened to 3 s and 90 s, nothing else changed.
 */
let stack: E2EStack;
let ops: Operators;
const t: Record<string, number> = {};
let incidentId: string;
let parent: MessageRecord;
let autoEntryPid: number | null;

beforeAll(async () => {
  stack = await startStack({
    runbookEdits: {
      'provider-outage.yml': [
        ['retry: { every: 30s, within: 15m }', 'retry: { every: 1s, within: 3s }'],
        ['retry: { every: 30s, within: 12h }', 'retry: { every: 1s, within: 90s }'],
      ],
    },
  });
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
});
afterAll(async () => {
  await stack?.stop();
});

const runMessage = () => ops.replyWithButton(parent, 'API provider outage', ActionId.confirmStep);

describe('provider-outage (§1.3)', () => {
  test('Kalshi answering 503 opens the provider incident; its feed freezes while the BTC feed goes on', async () => {
    autoEntryPid = (await programs(stack.sandbox)).auto_entry_supervisor!.pid;
    t.break = performance.now();
    await breakScenario(stack.sandbox, 'provider-outage', { provider: 'kalshi', variant: '503' });
    ({
      incident: { id: incidentId },
      parent,
    } = await ops.incidentPosted('provider:kalshi'));
    t.detected = performance.now();
    expect(readable(parent)).toContain('kalshi API unhealthy (503)');
    expect(buttonsOf(parent)).toEqual([ActionId.ackIncident, ActionId.runRecovery, ActionId.openChecklist]);
    // The symptom, measured on the database's clock: BTC prices keep arriving, market snapshots do not.
    const since = await dbNow(stack.sandbox);
    await eventually(async () =>
      expect(await rowsSince(stack.sandbox, 'btc_price_log', since)).toBeGreaterThanOrEqual(3),
    );
    expect(await rowsSince(stack.sandbox, 'kalshi_market_snapshots', since)).toBe(0);
    // A stale feed behind a provider that is down is that outage, not a second incident.
    expect((await stack.bot.core.store.incidents.listUnresolved()).map((i) => i.fingerprint)).toEqual([
      'provider:kalshi',
    ]);
  });

  test(
    'Run recovery: the probe keeps failing, and disabling auto entries waits for a go-ahead; given, ' +
      'it is stopped for real',
    async () => {
      await ops.click(ALICE, parent, ActionId.ackIncident, 'Acknowledge');
      await ops.click(ALICE, parent, ActionId.runRecovery, 'Run recovery');
      const message = await runMessage();
      expect(readable(message)).toContain('Prolonged outage — disable auto_entry_supervisor');
      expect((await programs(stack.sandbox)).auto_entry_supervisor!.state).toBe('RUNNING');
      await ops.click(ALICE, message, ActionId.confirmStep, 'Go ahead: disable auto_entry_supervisor');
      await eventually(async () =>
        expect((await programs(stack.sandbox)).auto_entry_supervisor!.state).toBe('STOPPED'),
      );
    },
  );

  test('the outage ends; ' +
    'the runbook sees both providers healthy and re-enables auto entries on a go-ahead', async () => {
    // Kalshi coming back is the outside world's part, not an operator's: no action counted.
    stack.sandbox.providers.kalshi.setMode('ok');
    const message = await eventually(async () => {
      const m = await runMessage();
      expect(readable(m)).toMatch(/\*4\. Providers healthy — re-enable auto_entry_supervisor\* on `sbx1` — waiting/);
      expect(readable(m)).toContain('Go ahead with step 4');
      return m;
    });
    await ops.click(ALICE, message, ActionId.confirmStep, 'Go ahead: re-enable auto_entry_supervisor');
    const run = await ops.runEnded(incidentId, 'provider-outage');
    expect(run.state, await ops.describeRun(run)).toBe('succeeded');
    const after = (await programs(stack.sandbox)).auto_entry_supervisor!;
    expect(after.state).toBe('RUNNING');
    expect(after.pid).not.toBe(autoEntryPid);
    const since = await dbNow(stack.sandbox);
    await eventually(async () =>
      expect(await rowsSince(stack.sandbox, 'kalshi_market_snapshots', since)).toBeGreaterThan(0),
    );
  }, 180_000);

  test('checklist green, Resolve, the report in the thread', async () => {
    await ops.checklistToGreen(ALICE, incidentId, parent);
    t.green = performance.now();
    await ops.resolve(ALICE, incidentId, parent);
    expect((await stack.bot.core.store.incidents.get(incidentId))!.report).toContain('disable auto_entry_supervisor');
    record({
      scenario: 'provider-outage (kalshi 503)',
      planCommands: 3,
      operatorActions: ops.actions,
      breakToDetectMs: t.detected! - t.break!,
      breakToGreenMs: t.green! - t.break!,
    });
  });
});
