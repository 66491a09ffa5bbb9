/**
 * One chat.update budget for the whole workspace. Slack limits chat.update to Tier 3, "50+ per
 * minute", counted "per API method per app per workspace" (api.slack.com/docs/rate-limits) — all
 * live messages together, not each on its own. Every update asks here first; when the budget is
 * spent, the message gets a slot later on, and keeps it: newer updates of the same message take
 * that slot instead of a new one, so a run that changes ten times while waiting costs one call
 * (its message is rendered from the store when the slot comes, showing the latest state).
 *
 * The schedule is GCRA (a token bucket kept as one "theoretical arrival time"): `burst` updates
 * may go at once, then one every 60 s / `perMinute`. Each message also waits `perMessageMs` after
 * its own last update, so one busy run cannot take the whole budget.
 */
export interface UpdateBudgetOptions {
  /** Below Slack's 50, leaving room for retries and for a second replica's odd call (default 45). */
  perMinute?: number;
  /** How many may go back to back (default 20: "sporadic bursts are welcome"; Slack's own is about 50). */
  burst?: number;
  /** The least time between two updates of one message (default 1000 ms). */
  perMessageMs?: number;
  now?: () => number;
}

export interface UpdateBudget {
  /** 0 when the message `key` may be updated now (and counts it), else how long until its slot. */
  claim(key: string): number;
  /** Slack answered 429 anyway: nothing goes before `retryAfterMs` from now. */
  backOff(retryAfterMs: number): void;
  /** How many messages hold a slot now (for metrics and the bench). */
  readonly waiting: number;
}

export function createUpdateBudget(options: UpdateBudgetOptions = {}): UpdateBudget {
  const now = options.now ?? Date.now;
  const interval = 60_000 / (options.perMinute ?? 45);
  const tolerance = ((options.burst ?? 20) - 1) * interval;
  const perMessageMs = options.perMessageMs ?? 1_000;
  let tat = 0;
  const slots = new Map<string, number>();
  const lastSent = new Map<string, number>();

  const forget = (at: number) => {
    // A message whose rows stopped coming (its run was removed) must not keep its slot for ever.
    for (const [key, slot] of slots) if (slot < at - 60_000) slots.delete(key);
    for (const [key, sent] of lastSent) if (sent < at - 60_000) lastSent.delete(key);
  };

  return {
    claim(key) {
      const at = now();
      if (slots.size + lastSent.size > 1_000) forget(at);
      const slot = slots.get(key);
      if (slot !== undefined) {
        if (at < slot) return slot - at;
        slots.delete(key);
        lastSent.set(key, at);
        return 0;
      }
      // The shared schedule decides when the budget allows a call; the message's own pace can
      // only put its slot later, never the others'.
      const arrival = Math.max(tat, at);
      tat = arrival + interval;
      const start = Math.max(arrival - tolerance, at, (lastSent.get(key) ?? -Infinity) + perMessageMs);
      if (start <= at) {
        lastSent.set(key, at);
        return 0;
      }
      slots.set(key, start);
      return start - at;
    },
    backOff(retryAfterMs) {
      tat = Math.max(tat, now() + retryAfterMs + tolerance);
    },
    get waiting() {
      return slots.size;
    },
  };
}
