import { describe, expect, test } from 'vitest';
import { createUpdateBudget } from '@recio/bot/slack/update-budget';
import { runLiveUpdates } from './live-updates.js';

/**
 * chat.update is Tier 3 per workspace, not per message: twenty runs live at once share one
 * budget. The publisher keeps to it — no 429 storm — and coalesces: a message that changed many
 * times while waiting for its turn is updated once, with its latest state.
 */
describe('one chat.update budget for the workspace', () => {
  test('twenty live runs in two channels: no 429, fewer calls than changes, every message ends current', async () => {
    const result = await runLiveUpdates({
      runs: 20,
      channels: ['C0OPS000001', 'C0INCIDENT1'],
      everyMs: 500,
      forMs: 10_000,
      budget: {},
    });
    expect(result.allFinal).toBe(true);
    expect(result.ratelimited).toBe(0);
    expect(result.updateCalls).toBeLessThan(result.enqueued / 2);
  }, 240_000);

  test('the budget: a burst at once, then one slot after another; a waiting message keeps its slot', () => {
    let now = 0;
    const budget = createUpdateBudget({ perMinute: 60, burst: 3, perMessageMs: 0, now: () => now });
    expect(['a', 'b', 'c'].map((k) => budget.claim(k))).toEqual([0, 0, 0]);
    expect(budget.claim('d')).toBe(1_000);
    expect(budget.claim('e')).toBe(2_000);
    // d asks again (a newer change of the same message): the same slot, no new one.
    now = 400;
    expect(budget.claim('d')).toBe(600);
    expect(budget.claim('f')).toBe(2_600);
    now = 1_000;
    expect(budget.claim('d')).toBe(0);
    expect(budget.waiting).toBe(2);
  });

  test('one message waits perMessageMs after its own last update; a 429 pushes everyone back', () => {
    const now = 0;
    const budget = createUpdateBudget({ perMinute: 6_000, burst: 100, perMessageMs: 1_000, now: () => now });
    expect(budget.claim('a')).toBe(0);
    expect(budget.claim('a')).toBe(1_000);
    expect(budget.claim('b')).toBe(0);
    budget.backOff(5_000);
    expect(budget.claim('c')).toBe(5_000);
  });
});
