import type { Run } from './domain/index.js';
import type { EngineObserver } from './runbooks/engine.js';
import type { OutboxMessage, StoreLogger } from './store/index.js';

/** What the parts of a running bot tell each other, without holding each other. */
export interface SignalMap {
  /** Rows were enqueued in the outbox: the publisher sends now rather than at its next look. */
  outbox: [];
  /** The publisher delivered a row to Slack (an incident's message: the App Home refreshes). */
  sent: [message: OutboxMessage];
  stepFinished: [
    step: { host: string; action: string },
    outcome: string,
    state: 'succeeded' | 'failed',
    seconds: number,
  ];
  runFinished: [state: 'succeeded' | 'failed' | 'skipped' | 'cancelled'];
  /** A run's end is committed (the incident desk offers Resolve when a checklist went green). */
  runSettled: [run: Run];
  /** An incident was resolved: by a person (Resolve, `/recio incident close`), the quiet period, or a merge. */
  incidentResolved: [how: 'person' | 'quiet', seconds: number, checklistGreen: boolean];
}

type Listener<K extends keyof SignalMap> = (...args: SignalMap[K]) => void;

/**
 * The composition root makes this first and hands it to producers and consumers alike, so every
 * part is built once, in dependency order, and none is assigned into another after construction.
 * A listener that throws is logged; it never fails the part that signalled.
 */
export class Signals {
  private readonly listeners = new Map<keyof SignalMap, Set<(...args: never[]) => void>>();

  constructor(private readonly logger: StoreLogger) {}

  on<K extends keyof SignalMap>(name: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    set.add(listener as (...args: never[]) => void);
    return () => set.delete(listener as (...args: never[]) => void);
  }

  emit<K extends keyof SignalMap>(name: K, ...args: SignalMap[K]): void {
    for (const listener of (this.listeners.get(name) ?? []) as Set<Listener<K>>) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error({ err: error, signal: name }, 'a signal listener failed');
      }
    }
  }

  /** The engine's observer, as signals. */
  engineObserver(): EngineObserver {
    return {
      stepFinished: (...args) => this.emit('stepFinished', ...args),
      runFinished: (state) => this.emit('runFinished', state),
      runSettled: (run) => this.emit('runSettled', run),
    };
  }
}
