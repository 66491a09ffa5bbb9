import type { Clock } from './clock.js';
import { PostMessagePerChannel, RateTiers, type BucketLimit, type Tier } from './limits.js';

/**
 * Slack's Web API rate limits, as token buckets on the emulation clock: one bucket per method (the
 * method's tier), plus one per channel for chat.postMessage. A call over the limit is not executed;
 * Slack answers HTTP 429 with `Retry-After: <seconds>` and `{ok:false, error:"ratelimited"}`.
 */
export interface RateLimitOptions {
  /** Override a tier's figures (all methods of that tier). */
  tiers?: Partial<Record<Tier, BucketLimit>>;
  /** Override one method's figures, e.g. `{ 'chat.update': { perMinute: 2, burst: 2 } }` to force a 429. */
  methods?: Record<string, BucketLimit>;
  /** chat.postMessage per channel (default 1/s, no burst). */
  postMessagePerChannel?: BucketLimit;
  /** Turn every limit off (the console may want this; tests of the bot should not). */
  disabled?: boolean;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly options: RateLimitOptions = {},
  ) {}

  /** Take one call's worth from the buckets that apply; refuses without consuming when any is empty. */
  take(method: string, tier: Tier | undefined, channel?: string): RateDecision {
    if (this.options.disabled) return { allowed: true };
    const checks: Array<[string, BucketLimit]> = [];
    const methodLimit =
      this.options.methods?.[method] ?? (tier ? (this.options.tiers?.[tier] ?? RateTiers[tier]) : undefined);
    if (methodLimit) checks.push([`method:${method}`, methodLimit]);
    if (method === 'chat.postMessage' && channel) {
      checks.push([`channel:${channel}`, this.options.postMessagePerChannel ?? PostMessagePerChannel]);
    }
    const now = this.clock.now();
    let waitMs = 0;
    const ready = checks.map(([key, limit]) => {
      const bucket = this.refill(key, limit, now);
      if (bucket.tokens < 1) waitMs = Math.max(waitMs, ((1 - bucket.tokens) * 60_000) / limit.perMinute);
      return bucket;
    });
    if (waitMs > 0) {
      // Retry-After is whole seconds; never 0, or a client would hammer straight back.
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    for (const bucket of ready) bucket.tokens -= 1;
    return { allowed: true };
  }

  private refill(key: string, limit: BucketLimit, now: number): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed * limit.perMinute) / 60_000);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    return bucket;
  }
}
