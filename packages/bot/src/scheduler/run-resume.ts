import type { RunEngine } from '../runbooks/engine.js';
import type { Store, StoreLogger } from '../store/index.js';

/** How often the leader looks for runs nobody is moving on, by default. */
export const RUN_RESUME_MS = 15_000;

export interface RunResume {
  /** One pass: drive every runnable run this instance is not driving yet. Resolves with their ids. */
  tick(): Promise<string[]>;
  stop(): void;
}

/**
 * The leader moves on every active run that has a step ready and nobody running it: a step
 * recovery put back to pending after a crash, a run whose driver (a CLI, a replica) went away, a
 * run whose driving failed earlier. At start and on a timer. Each drive goes through the engine's
 * `drive` (a failure is logged with a reference and told in the run's thread), and the step claim
 * under its lease makes a run driven from two places run each step once.
 */
export function startRunResume(
  deps: {
    store: Pick<Store, 'runs'>;
    engine: Pick<RunEngine, 'drive' | 'isDriving'>;
    logger: StoreLogger;
    isLeader(): boolean;
  },
  everyMs = RUN_RESUME_MS,
): RunResume {
  let passing: Promise<string[]> | undefined;
  const pass = async (): Promise<string[]> => {
    if (!deps.isLeader()) return [];
    const runnable = (await deps.store.runs.listRunnable()).filter((run) => !deps.engine.isDriving(run.id));
    for (const run of runnable) {
      deps.logger.info({ runId: run.id }, 'leader: moving on a run nobody was driving');
      void deps.engine.drive(run.id, 'system');
    }
    return runnable.map((run) => run.id);
  };
  const tick = (): Promise<string[]> => {
    passing ??= pass().finally(() => {
      passing = undefined;
    });
    return passing;
  };
  const safeTick = () =>
    void tick().catch((error: unknown) => deps.logger.error({ err: error }, 'leader: resuming runs failed'));
  safeTick();
  const timer = setInterval(safeTick, everyMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
