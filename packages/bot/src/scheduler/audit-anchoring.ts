import { DANGEROUS_ACTIONS, isActionName } from '@recio/protocol/actions';
import type { Signals } from '../signals.js';
import { anchorAuditHead, type Store, type StoreLogger } from '../store/index.js';

/** At least hourly, as the security model promises (docs/security.md). */
export const ANCHOR_EVERY_MS = 60 * 60_000;

/**
 * Writes the audit chain's head beside the data dir: at start, every hour, and after every
 * dangerous step (a restore, a rollback) has finished. A failed write is logged as an error — it
 * weakens what `recio audit verify` can prove — and never stops the bot.
 */
export function startAuditAnchoring(
  deps: { store: Store; signals: Signals; logger: StoreLogger; file: string },
  everyMs = ANCHOR_EVERY_MS,
): () => void {
  const anchor = (reason: string) =>
    void anchorAuditHead(deps.store, deps.file, reason).catch((error: unknown) =>
      deps.logger.error({ err: error, file: deps.file, reason }, 'audit: anchoring the chain head failed'),
    );
  anchor('start');
  const timer = setInterval(() => anchor('hourly'), everyMs);
  timer.unref();
  const off = deps.signals.on('stepFinished', (step) => {
    if (isActionName(step.action) && DANGEROUS_ACTIONS.has(step.action)) anchor(`dangerous:${step.action}`);
  });
  return () => {
    clearInterval(timer);
    off();
  };
}
