import pLimit from 'p-limit';
import type { Logger } from '../observability/logger.js';
import { OPEN_GATE, type AckGate } from './ack-gate.js';

/**
 * What a handler does after its ack runs here, a few jobs at a time. A burst of fifty commands
 * must not become fifty SSH fan-outs and fifty store transactions competing with the acks still
 * to be sent: acks go first, the work follows in order. A job starts once no ack is owed (or
 * after `maxDelayMs`, so steady traffic cannot starve it), on a fresh turn of the event loop.
 */
export interface WorkQueue {
  /** Runs the job later; a failure is logged (jobs surface their own errors to the person). */
  push(job: () => Promise<void>): void;
  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  readonly pending: number;
}

export function createWorkQueue(options: {
  concurrency: number;
  logger: Logger;
  gate?: AckGate;
  maxDelayMs?: number;
}): WorkQueue {
  const gate = options.gate ?? OPEN_GATE;
  const maxDelayMs = options.maxDelayMs ?? 500;
  const limit = pLimit(options.concurrency);
  const waiters: Array<() => void> = [];
  const settle = () => {
    if (limit.activeCount + limit.pendingCount > 0) return;
    for (const waiter of waiters.splice(0)) waiter();
  };
  return {
    push(job) {
      const queuedAt = Date.now();
      void limit(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        await gate.clear(Math.max(0, queuedAt + maxDelayMs - Date.now()));
        await job();
      })
        .catch((error: unknown) => options.logger.error({ err: error }, 'queued Slack work failed'))
        .finally(settle);
    },
    idle: () =>
      limit.activeCount + limit.pendingCount === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    get pending() {
      return limit.activeCount + limit.pendingCount;
    },
  };
}
