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

/**
 * The system clock, moved on by whatever a test advances it by: rate-limit buckets refill as
 * time passes, and a slow method (`methodLatencyMs`) still jumps it forward at once.
 */
export function createSteppingClock(): ManualClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`Expected a non-negative number of milliseconds, got ${ms}`);
      }
      offset += ms;
    },
    set(epochMs) {
      offset = epochMs - Date.now();
    },
  };
}
