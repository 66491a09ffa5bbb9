import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { breakScenario } from '@recio/sandbox/index';
import { ActionId } from '@recio/bot/slack/ids';
import { record } from './support/measure.js';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { dbNow, programs, rowsSince, type ProgramFact } from './support/sandbox-facts.js';
import { ALICE, DAVE, startStack, type E2EStack } from './support/stack.js';

/**
 * §1.3 API provider outage, end to end: the Kalshi stand-in answers 503 → the monitor opens the
 * provider incident → Run recovery: the probe waits for the provider to reconnect by itself, and a
 * lead_operator cuts the wait short with "Disable auto entry now" (someone without the role cannot)
 * → auto_entry_supervisor stopped for real, no second go-ahead → the outage ends → the runbook sees
 * the providers healthy, restarts the feed watchdogs (new pids), checks both feeds fresh, and offers
 * to re-enable auto entries (a go-ahead) → checklist green → Resolve → report. The plan makes a
 * person probe both providers and stop auto_entry_supervisor (3 commands), and start it again later.
 *
 * The runbook's windows are a 15-minute reconnect wait (from detection) and a 12-hour recovery
 * wait; this file runs a copy of commands/ (RECIO_RUNBOOKS_DIR) with them at 10 min (longer than the
 * test: only the button ends it) and 90 s, nothing else changed. That the 15 minutes count from
 * detection is shown in test/runbooks/scenarios-release-provider.test.ts.
 */
let stack: E2EStack;
let ops: Operators;
const t: Record<string, number> = {};
let incidentId: string;
let parent: MessageRecord;
let autoEntryPid: number | null;
let before: Record<string, ProgramFact>;

beforeAll(async () => {
  stack = await startStack({
    runbookEdits: {
      'provider-outage.yml': [
        ['retry: { every: 30s, within: 15m, from: detected }', 'retry: { every: 1s, within: 10m, from: detected }'],
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

const runMessage = (button: string = ActionId.confirmStep) =>
  ops.replyWithButton(parent, 'API provider outage', button);

describe('provider-outage (§1.3)', () => {
  test('Kalshi answering 503 opens the provider incident; its feed freezes while the BTC feed goes on', async () => {
    before = await programs(stack.sandbox);
    autoEntryPid = before.auto_entry_supervisor!.pid;
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
    'Run recovery: the probe waits for a reconnect; "Disable auto entry now" is refused to someone without the ' +
      'role, and ends the wait for a lead_operator: auto entries stopped for real, no second go-ahead',
    async () => {
      await ops.click(ALICE, parent, ActionId.ackIncident, 'Acknowledge');
      await ops.click(ALICE, parent, ActionId.runRecovery, 'Run recovery');
      const waiting = await runMessage(ActionId.cutShort);
      expect(readable(waiting)).toContain('Disable auto entry now');
      await ops.click(DAVE, waiting, ActionId.cutShort, 'Disable auto entry now (no role)');
      await eventually(() => expect(ops.answersTo(DAVE).at(-1)).toMatch(/lead_operator/));
      const [run] = await ops.runsOf(incidentId);
      const probe = (await stack.bot.core.store.runs.steps(run!.id))[0]!;
      expect(probe).toMatchObject({ state: 'running', cutShortBy: null });
      expect((await programs(stack.sandbox)).auto_entry_supervisor!.state).toBe('RUNNING');

      await ops.click(ALICE, waiting, ActionId.cutShort, 'Disable auto entry now');
      await eventually(async () =>
        expect((await programs(stack.sandbox)).auto_entry_supervisor!.state).toBe('STOPPED'),
      );
      const steps = await stack.bot.core.store.runs.steps(run!.id);
      expect(steps[0]).toMatchObject({ state: 'failed', cutShortBy: ALICE });
      expect(steps[1]).toMatchObject({ title: 'Prolonged outage — disable auto_entry_supervisor', state: 'succeeded' });
      // The run message no longer offers it: the wait is over.
      await eventually(() => {
        const now = stack.slack.state.message(waiting.channel, waiting.ts)!;
        expect(readable(now)).toContain('wait cut short');
        expect(buttonsOf(now)).not.toContain(ActionId.cutShort);
      });
    },
  );

  test('the outage ends; the runbook sees both providers healthy, restarts the feed watchdogs, checks the feeds ' +
    'fresh and re-enables auto entries on a go-ahead', async () => {
    // Kalshi coming back is the outside world's part, not an operator's: no action counted.
    stack.sandbox.providers.kalshi.setMode('ok');
    const message = await eventually(async () => {
      const m = await runMessage();
      expect(readable(m)).toMatch(
        /\*8\. Providers healthy, feeds fresh — re-enable auto_entry_supervisor\* on `sbx1` — waiting/,
      );
      expect(readable(m)).toContain('Go ahead with step 8');
      return m;
    }, 120_000);
    const [run] = await ops.runsOf(incidentId);
    const steps = await stack.bot.core.store.runs.steps(run!.id);
    expect(steps.slice(2, 7).map((s) => [s.title, s.state])).toEqual([
      ['Wait for the providers to be healthy again', 'succeeded'],
      ['Outage over 15 min — restart kalshi_api_watchdog', 'succeeded'],
      ['Outage over 15 min — restart btc_price_watchdog', 'succeeded'],
      ['Market data flowing in again (kalshi feed fresh)', 'succeeded'],
      ['BTC price feed updating again (btc_price feed fresh)', 'succeeded'],
    ]);
    const watchdogs = await programs(stack.sandbox);
    for (const name of ['kalshi_api_watchdog', 'btc_price_watchdog']) {
      expect(watchdogs[name], name).toMatchObject({ state: 'RUNNING' });
      expect(watchdogs[name]!.pid, name).not.toBe(before[name]!.pid);
    }
    await ops.click(ALICE, message, ActionId.confirmStep, 'Go ahead: re-enable auto_entry_supervisor');
    const ended = await ops.runEnded(incidentId, 'provider-outage');
    expect(ended.state, await ops.describeRun(ended)).toBe('succeeded');
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
