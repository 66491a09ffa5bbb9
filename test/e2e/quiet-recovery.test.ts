import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { breakScenario, heal } from '@recio/sandbox/index';
import { eventually, Operators, readable } from './support/operator.js';
import { ALICE, OPS, startStack, type E2EStack } from './support/stack.js';

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

  test('/recio incident close with no checklist asks why; ' +
    'with a reason it resolves, and the report shows the reason', async () => {
    await breakScenario(stack.sandbox, 'provider-outage', { provider: 'coinbase', variant: '503' });
    const { incident, parent: coinbase } = await ops.incidentPosted('provider:coinbase');
    const seen = ops.answersTo(ALICE).length;
    await ops.command(ALICE, 'incident close', '/recio incident close');
    await eventually(() =>
      expect(ops.answersTo(ALICE).slice(seen).join('\n')).toContain('The checklist is not green (it was not run)'),
    );
    expect((await stack.bot.core.store.incidents.get(incident.id))?.status).not.toBe('resolved');

    await ops.command(
      ALICE,
      'incident close Coinbase status page: planned maintenance',
      '/recio incident close <reason>',
    );
    const report = await ops.reportFile(incident.id, coinbase);
    expect(report.content?.toString()).toContain('Coinbase status page: planned maintenance');
    expect(report.content?.toString()).toContain('closed with the checklist not green');
    await eventually(async () =>
      expect(readable(await ops.parentNow(incident.id))).toContain(`Resolved* by <@${ALICE}>`),
    );
    await heal(stack.sandbox, 'provider-outage');
  }, 180_000);
});
