/**
 * Where the emulation reads the time. Expiry rules (trigger ids, response_url, rate-limit buckets)
 * read this clock, so tests move time forward instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(epochMs: number): void;
}

export function createManualClock(startMs = Date.UTC(2024, 10, 26, 6, 0, 0)): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`Expected a non-negative number of milliseconds, got ${ms}`);
      }
      current += ms;
    },
    set(epochMs) {
      current = epochMs;
    },
  };
}
