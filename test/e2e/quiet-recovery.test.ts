import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { breakScenario, heal } from '@recio/sandbox/index';
import { eventually, Operators, readable } from './support/operator.js';
import { OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * Recovery is seen, and nothing is silent (issue 13), through the emulator: Kalshi answers 503 →
 * the incident thread; healthy again → "Recovered at T, after N min" in the thread and on the
 * parent; failing again → a visible ":repeat: Seen again (2×)" reply; healthy again and nobody
 * touched it → after the quiet period (12 s here) it resolves itself, with a report that says so.
 */
let stack: E2EStack;
let ops: Operators;
let parent: MessageRecord;
let incidentId: string;

beforeAll(async () => {
  stack = await startStack({ env: { RECIO_INCIDENT_QUIET_MINUTES: '0.2' } });
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
});
afterAll(async () => {
  await stack?.stop();
});

const replies = () => ops.thread(parent).map(readable);

describe('a quiet recovery', () => {
  test('healthy again is said; failing again is a visible reply, not only an edit', async () => {
    const before = stack.slack.state.messagesIn(OPS, { topLevelOnly: true }).length;
    await breakScenario(stack.sandbox, 'provider-outage', { provider: 'kalshi', variant: '503' });
    ({
      incident: { id: incidentId },
      parent,
    } = await ops.incidentPosted('provider:kalshi'));
    await heal(stack.sandbox, 'provider-outage');
    await eventually(
      () => expect(replies().some((r) => /^:white_check_mark: Recovered at .*after \d+ min/.test(r))).toBe(true),
      60_000,
    );
    await eventually(async () =>
      expect(readable(await ops.parentNow(incidentId))).toMatch(/Recovered at .*after \d+ min/),
    );

    await breakScenario(stack.sandbox, 'provider-outage', { provider: 'kalshi', variant: '503' });
    await eventually(
      () => expect(replies().filter((r) => r.startsWith(':repeat: Seen again (2×)'))).toHaveLength(1),
      60_000,
    );
    await eventually(async () => expect(readable(await ops.parentNow(incidentId))).toContain('seen 2×'));
    expect(stack.slack.state.messagesIn(OPS, { topLevelOnly: true }).length).toBe(before + 1);
  }, 180_000);

  test('untouched and quiet after it recovered: it resolves itself, the report in the thread says so', async () => {
    await heal(stack.sandbox, 'provider-outage');
    const report = await ops.reportFile(incidentId, parent);
    expect(report.content?.toString()).toContain('**Resolved by itself**');
    const incident = (await stack.bot.core.store.incidents.get(incidentId))!;
    expect(incident).toMatchObject({ status: 'resolved', resolvedBy: 'monitor' });
    await eventually(async () => expect(readable(await ops.parentNow(incidentId))).toContain('Resolved'));
  }, 180_000);
});
