import { describe, expect, test } from 'vitest';
import { createManualClock } from '@recio/slack-emulator/index';
import { RateLimiter } from '@recio/slack-emulator/rate-limiter';

/** The buckets on a manual clock: no sleeping, exact figures. */
describe('RateLimiter', () => {
  test('chat.postMessage: one per second per channel, Retry-After 1', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter(clock);
    expect(limiter.take('chat.postMessage', 'tier4', 'C1')).toEqual({ allowed: true });
    expect(limiter.take('chat.postMessage', 'tier4', 'C1')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another channel has its own bucket.
    expect(limiter.take('chat.postMessage', 'tier4', 'C2')).toEqual({ allowed: true });
    clock.advance(999);
    expect(limiter.take('chat.postMessage', 'tier4', 'C1').allowed).toBe(false);
    clock.advance(1);
    expect(limiter.take('chat.postMessage', 'tier4', 'C1')).toEqual({ allowed: true });
  });

  test('a refused call does not use up the bucket', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter(clock);
    limiter.take('chat.postMessage', 'tier4', 'C1');
    for (let i = 0; i < 5; i += 1) limiter.take('chat.postMessage', 'tier4', 'C1');
    clock.advance(1000);
    expect(limiter.take('chat.postMessage', 'tier4', 'C1').allowed).toBe(true);
  });

  test('tier 3 (chat.update): 50 back to back, then about 50 a minute', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 50; i += 1) expect(limiter.take('chat.update', 'tier3').allowed).toBe(true);
    const refused = limiter.take('chat.update', 'tier3');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 2 }); // 60 s / 50 = 1.2 s → 2
    clock.advance(1200);
    expect(limiter.take('chat.update', 'tier3').allowed).toBe(true);
  });

  test('limits are configurable per method, and can be switched off', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter(clock, { methods: { 'chat.update': { perMinute: 6, burst: 1 } } });
    expect(limiter.take('chat.update', 'tier3').allowed).toBe(true);
    expect(limiter.take('chat.update', 'tier3')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    const off = new RateLimiter(clock, { disabled: true });
    for (let i = 0; i < 10; i += 1) expect(off.take('chat.postMessage', 'tier4', 'C1').allowed).toBe(true);
  });
});
