import type { ActorId, Run, Step } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { Gates } from './gates.js';
import { type DriverDeps, RunDriver } from './run-driver.js';
import { RunMachine, type StartRunInput } from './run-machine.js';

export { bindingOf } from './gates.js';
export type { EngineObserver, StartRunInput } from './run-machine.js';

export interface EngineDeps extends DriverDeps {
  /** Default 15 minutes: past it an approval is void and the run does not proceed on it. */
  approvalTtlMs: number;
}

/**
 * Runbooks in motion, made of three parts with one job each: the run state machine (RunMachine),
 * the gates in front of steps (Gates) and the driver that runs steps and shuts down (RunDriver).
 * Every transition is a conditional update in the store, so a retried delivery, a double click or a
 * second replica cannot run a step twice.
 */
export class RunEngine {
  private readonly machine: RunMachine;
  private readonly gates: Gates;
  private readonly driver: RunDriver;

  constructor(
    private readonly store: Store,
    deps: EngineDeps,
  ) {
    const hooks = { ...(deps.onChange ? { onChange: deps.onChange } : {}) };
    this.machine = new RunMachine(store, { ...hooks, ...(deps.observer ? { observer: deps.observer } : {}) });
    this.gates = new Gates(store, this.machine, { approvalTtlMs: deps.approvalTtlMs, ...hooks });
    this.driver = new RunDriver(store, this.machine, this.gates, deps);
  }

  start(input: StartRunInput): Promise<{ run: Run; created: boolean }> {
    return this.machine.create(input);
  }

  /** Runs the run's steps up to its next gate or end, and waits for that (rejects if the bot fails). */
  advance(runId: string, actor: ActorId, outer?: AbortSignal): Promise<Run> {
    return this.driver.advance(runId, actor, outer);
  }

  /** `advance`, with its failure logged and told in the run's thread whether or not the caller waits. */
  drive(runId: string, actor: ActorId): Promise<Run> {
    return this.driver.drive(runId, actor);
  }

  /** Whether this instance is moving the run on right now (the leader's resume skips it). */
  isDriving(runId: string): boolean {
    return this.driver.isDriving(runId);
  }

  /** An approval was decided: its gate opens (or the run ends), then the run is driven on. */
  decided(approvalId: string, runId: string, actor: ActorId): Promise<Run> {
    return this.driver.drive(runId, actor, this.gates.afterDecision(approvalId, actor));
  }

  confirm(stepId: string, actor: ActorId, requestId?: string): Promise<{ confirmed: boolean; step: Step }> {
    return this.gates.confirm(stepId, actor, requestId);
  }

  expireApprovals(): Promise<number> {
    return this.gates.expireApprovals();
  }

  async skipStep(stepId: string, actor: ActorId): Promise<boolean> {
    const step = await this.store.steps.get(stepId);
    if (step === undefined) return false;
    const run = await this.machine.mustGetRun(step.runId);
    return this.machine.skip(run, step, actor, 'skipped by hand', 'skipped', ['pending', 'awaiting_approval']);
  }

  async cancel(runId: string, actor: ActorId, why = 'cancelled'): Promise<Run | undefined> {
    const run = await this.machine.cancel(runId, actor, why);
    this.driver.abort(runId);
    return run;
  }

  abortAll(): void {
    this.driver.abortAll();
  }

  drain(deadlineMs: number): Promise<{ finished: boolean; interrupted: number }> {
    return this.driver.drain(deadlineMs);
  }
}
