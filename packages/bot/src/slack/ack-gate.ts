/**
 * Counts Slack requests the HTTP receiver has taken but not yet answered. Work done after an ack
 * waits at this gate while acks are owed — until no request is in flight and none has arrived
 * for a short quiet spell (a burst arrives over many milliseconds, with gaps between requests) —
 * up to a bound, so steady traffic cannot starve it. Slack's 3 s for the ack is a hard limit;
 * the answer that follows is not.
 */
export interface AckGate {
  enter(): void;
  leave(): void;
  /** Resolves once the receiver is quiet, or after `maxWaitMs` at the latest. */
  clear(maxWaitMs: number): Promise<void>;
}

export function createAckGate(options: { quietMs?: number; now?: () => number } = {}): AckGate {
  const quietMs = options.quietMs ?? 15;
  const now = options.now ?? (() => performance.now());
  let inFlight = 0;
  let lastArrival = -Infinity;
  const quiet = () => inFlight === 0 && now() - lastArrival >= quietMs;
  return {
    enter() {
      inFlight += 1;
      lastArrival = now();
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
    },
    async clear(maxWaitMs) {
      const until = now() + maxWaitMs;
      while (!quiet() && now() < until) {
        const wait = Math.min(until - now(), inFlight === 0 ? quietMs - (now() - lastArrival) : quietMs);
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
      }
    },
  };
}

/** Socket Mode acks over the WebSocket; nothing to count, nothing to wait for. */
export const OPEN_GATE: AckGate = { enter: () => undefined, leave: () => undefined, clear: () => Promise.resolve() };
