import type { RunEngine } from '../runbooks/engine.js';
import type { StoreLogger } from '../store/index.js';

/** How often overdue approvals are expired, by default: an expired one must not linger with its buttons. */
export const APPROVAL_SWEEP_MS = 5_000;

/**
 * Expires approvals past their time on every replica (each expiry is one conditional update, so
 * two replicas never expire one twice): the message loses its buttons and the run stops. A click
 * in between meets the same expiry, since deciding expires overdue approvals first.
 */
export function startApprovalExpiry(
  deps: {
    engine: Pick<RunEngine, 'expireApprovals'>;
    logger: StoreLogger;
    /** Approvals that have waited RECIO_BREAK_GLASS_AFTER_MINUTES get "Break glass" (once each). */
    offerBreakGlass?: () => Promise<number>;
  },
  everyMs = APPROVAL_SWEEP_MS,
): () => void {
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    deps.engine
      .expireApprovals()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'scheduler: expiring approvals failed'))
      .then(() => deps.offerBreakGlass?.())
      .catch((error: unknown) => deps.logger.error({ err: error }, 'scheduler: offering break-glass failed'))
      .finally(() => {
        sweeping = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
