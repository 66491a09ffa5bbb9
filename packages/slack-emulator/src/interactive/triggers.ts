import type { Clock } from '../clock.js';
import type { IdSource } from '../ids.js';

/**
 * trigger_id bookkeeping. Slack issues one with every slash command and interaction; it opens a
 * modal only "within 3 seconds of the interaction" and only once — a late one answers
 * `expired_trigger_id`, a reused one `exchanged_trigger_id`, an unknown one `invalid_trigger_id`.
 */
export type TriggerExchange =
  | { ok: true; userId: string }
  | { ok: false; error: 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id' };

interface Trigger {
  userId: string;
  issuedAt: number;
  used: boolean;
}

export class Triggers {
  private readonly issued = new Map<string, Trigger>();

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly ttlMs: number,
  ) {}

  issue(userId: string): string {
    const id = this.ids.triggerId();
    this.issued.set(id, { userId, issuedAt: this.clock.now(), used: false });
    return id;
  }

  exchange(triggerId: string): TriggerExchange {
    const trigger = this.issued.get(triggerId);
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (this.clock.now() - trigger.issuedAt > this.ttlMs) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    return { ok: true, userId: trigger.userId };
  }
}
