import { randomBytes } from 'node:crypto';
import type { ActorId, Run, Step } from '../domain/index.js';
import type { Store, StoreLogger } from '../store/index.js';
import type { Gates } from './gates.js';
import type { StepPlan } from './plan.js';
import { ACTIVE, type EngineObserver, type RunMachine } from './run-machine.js';
import { updateRunMessage, uploadStepOutput } from './run-notices.js';
import { chooseRestore } from './restore-choice.js';
import { conditionHolds, planOf } from './step-plan.js';
import { type ExecutedStep, executeStep, type StepRunnerDeps } from './step-runner.js';
import { recordTransition } from './transition.js';

export interface DriverDeps extends StepRunnerDeps {
  logger: StoreLogger;
  onChange?: () => void;
  observer?: EngineObserver;
}

const LEASE_MARGIN_MS = 30_000;

type StepMove = { kind: 'progressed' | 'waiting' } | { kind: 'stop'; why: string };

/** A short id a person can quote; the log line with the stack carries the same one. */
const newReference = () => randomBytes(4).toString('hex');

/**
 * Drives runs: runs steps up to the next gate, one at a time (or every ready item of a checklist),
 * each claimed under a lease so no other instance runs it too; stops everything on shutdown and
 * marks what did not finish as interrupted.
 */
export class RunDriver {
  private stopping = false;
  private readonly advancing = new Set<Promise<Run>>();
  private readonly inFlight = new Map<string, AbortController>();
  /** A failing check that will be tried again: shown (red, and why) once per distinct reason. */
  private readonly lastRetryText = new Map<string, string>();
  private retries = 0;

  constructor(
    private readonly store: Store,
    private readonly machine: RunMachine,
    private readonly gates: Gates,
    private readonly deps: DriverDeps,
  ) {}

  /**
   * Runs steps until the run ends or reaches a gate (an approval, a confirmation) or another
   * instance holds it. A checklist (`parallel` runbook) runs every ready step at once and stops
   * only when nothing but gates is left. Rejects on a failure of the bot itself (the store gone):
   * callers that do not wait for it use `drive`.
   */
  async advance(runId: string, actor: ActorId, outer?: AbortSignal): Promise<Run> {
    // Cancelling the run (or shutting down) aborts what this instance is running for it.
    const controller = this.inFlight.get(runId) ?? new AbortController();
    this.inFlight.set(runId, controller);
    const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    if (this.stopping) controller.abort();
    const work = this.advanceLoop(runId, actor, signal);
    this.advancing.add(work);
    try {
      return await work;
    } finally {
      this.advancing.delete(work);
      if (this.inFlight.get(runId) === controller) this.inFlight.delete(runId);
    }
  }

  /**
   * The one way to drive a run: the same promise as `advance`, for a caller that waits, with its
   * failure already handled — logged with a reference and said in the run's thread ("stopped: why,
   * ref") — for a caller that does not. The run stays where it was, for the leader or a person.
   */
  drive(runId: string, actor: ActorId, first?: Promise<unknown>): Promise<Run> {
    const done = (first ?? Promise.resolve()).then(() => this.advance(runId, actor));
    done.catch((error: unknown) => this.reportFailure(runId, actor, error));
    return done;
  }

  private async reportFailure(runId: string, actor: ActorId, error: unknown): Promise<void> {
    const ref = newReference();
    const reason = error instanceof Error ? error.message : String(error);
    this.deps.logger.error({ err: error, ref, runId }, 'driving a run failed');
    try {
      await this.tellStopped(runId, actor, reason, ref);
    } catch (told) {
      this.deps.logger.error({ err: told, ref, runId }, 'could not say in the thread that the run stopped');
    }
  }

  /** Whether this instance is moving the run on right now. */
  isDriving(runId: string): boolean {
    return this.inFlight.has(runId);
  }

  /** Aborts what this instance runs for one run (it was cancelled). */
  abort(runId: string): void {
    this.inFlight.get(runId)?.abort();
  }

  /** Stops retries and new steps everywhere this instance drives a run (shutdown); running actions finish. */
  abortAll(): void {
    this.stopping = true;
    for (const controller of this.inFlight.values()) controller.abort();
  }

  /**
   * Graceful shutdown: no new step starts; steps already running get until the deadline to finish;
   * whatever is still running then is marked interrupted (outcome unknown), never left hanging.
   */
  async drain(deadlineMs: number): Promise<{ finished: boolean; interrupted: number }> {
    this.abortAll();
    const all = Promise.allSettled([...this.advancing]);
    const finished = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref()),
    ]);
    if (finished) return { finished, interrupted: 0 };
    const report = await this.store.recoverInterruptedSteps({ abandonedBy: this.store.instanceId });
    return { finished, interrupted: report.steps.length };
  }

  private async tellStopped(runId: string, actor: ActorId, reason: string, ref: string): Promise<void> {
    const run = await this.store.runs.get(runId);
    if (run === undefined) return;
    const text =
      `stopped: the bot failed driving this run (${reason}; ref ${ref}). ` + 'Nothing more runs until it is moved on.';
    await this.store.withTransaction((tx) =>
      recordTransition(tx, {
        actor,
        runId,
        incidentId: run.incidentId,
        kind: 'run_error',
        text,
        detail: { ref },
        tell: [(t) => updateRunMessage(t, run, `error:${ref}`, text)],
      }),
    );
    this.deps.onChange?.();
  }

  private async advanceLoop(runId: string, actor: ActorId, signal: AbortSignal): Promise<Run> {
    for (;;) {
      if (signal.aborted) return this.machine.mustGetRun(runId);
      const run = await this.machine.mustGetRun(runId);
      if (!ACTIVE.includes(run.state)) return run;
      const steps = await this.store.runs.steps(runId);
      const open = steps.filter(
        (s) => s.state === 'pending' || s.state === 'awaiting_approval' || s.state === 'running',
      );
      if (open.length === 0) return this.machine.complete(run, steps, actor);
      const parallel = run.params.parallel === true;
      const ready = parallel
        ? open.filter((s) => s.state === 'pending')
        : open[0]!.state === 'pending'
          ? [open[0]!]
          : [];
      if (ready.length === 0) {
        // Decided again in the store: this read of the steps may predate a go-ahead given since.
        if (parallel && open.every((s) => s.state === 'awaiting_approval')) await this.store.runs.awaitGates(run.id);
        return this.machine.mustGetRun(runId);
      }
      const results = await Promise.all(ready.map((step) => this.stepOnce(run, step, steps, actor, parallel, signal)));
      const stop = results.find((r) => r.kind === 'stop');
      if (stop?.kind === 'stop') return this.machine.finish(run, 'failed', actor, stop.why);
      if (!results.some((r) => r.kind === 'progressed')) return this.machine.mustGetRun(runId);
    }
  }

  private async stepOnce(
    run: Run,
    step: Step,
    steps: Step[],
    actor: ActorId,
    parallel: boolean,
    signal: AbortSignal,
  ): Promise<StepMove> {
    const plan = planOf(step);
    if (!conditionHolds(plan, steps)) {
      const why = `skipped: ${plan.when?.step} did not end ${plan.when?.outcome}`;
      await this.machine.skip(run, step, actor, why, 'condition');
      return { kind: 'progressed' };
    }
    if (run.dryRun) {
      const why = `dry run: would run ${step.action} on ${step.host} ${JSON.stringify(step.params)}`;
      await this.machine.skip(run, step, actor, why, 'dry_run');
      return { kind: 'progressed' };
    }
    if (step.approval !== 'none' && !(await this.gates.isOpen(run, step))) {
      const bound = await this.bindRestore(step, steps);
      if (typeof bound === 'string') {
        await this.machine.refuse(run, step, actor, bound);
        return { kind: 'stop', why: `refused at "${step.title}": ${bound}` };
      }
      await this.gates.open(run, bound, actor, parallel);
      return { kind: 'waiting' };
    }
    const claim = await this.store.steps.claim(step.id, { leaseMs: this.leaseFor(plan) });
    if (!claim.claimed) return { kind: 'waiting' };
    const executed = await this.runClaimed(run, claim.step, plan, signal);
    if (executed.state === 'failed' && plan.onFailure === 'stop')
      return { kind: 'stop', why: `stopped at "${step.title}": ${executed.summary}` };
    return { kind: 'progressed' };
  }

  /**
   * A restore asks for approval of one file (name + SHA-256) and, if \dt found some missing, those
   * tables, with what it rewinds kept for the approver; a request the dump cannot meet is the why.
   */
  private async bindRestore(step: Step, steps: Step[]): Promise<Step | string> {
    if (step.state !== 'pending') return step;
    const choice = await chooseRestore(this.deps.hosts, step, steps);
    if (choice === undefined) return step;
    if (choice.kind === 'refuse') return choice.why;
    return (await this.store.steps.bindParams(step.id, choice.params, choice.preview)) ?? step;
  }

  private leaseFor(plan: StepPlan): number {
    return plan.timeoutMs + (plan.retry?.withinMs ?? 0) + this.deps.lockWaitMs + LEASE_MARGIN_MS;
  }

  private async runClaimed(run: Run, step: Step, plan: StepPlan, signal: AbortSignal): Promise<ExecutedStep> {
    await this.store.withTransaction((tx) =>
      recordTransition(tx, {
        actor: run.requestedBy,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: 'step_started',
        text: `${step.title}: running on ${step.host}`,
        detail: { action: step.action, params: step.params },
        tell: [(t) => updateRunMessage(t, run, `step:${step.idx}:running:${step.attempt}`, `${step.title}: running`)],
      }),
    );
    this.deps.onChange?.();
    const leaseMs = this.leaseFor(plan);
    const renew = setInterval(() => this.renewLease(step, leaseMs), Math.max(1_000, leaseMs / 3));
    let executed: ExecutedStep;
    try {
      executed =
        step.action === 'check.manual'
          ? {
              state: 'succeeded',
              exitCode: 0,
              outcome: 'ok',
              summary: 'confirmed by hand',
              result: {},
              outputExcerpt: null,
            }
          : await executeStep(step, plan, run, this.deps, signal, (attempt) =>
              this.recordRetrySeen(run, step, attempt),
            );
    } catch (error) {
      executed = {
        state: 'failed',
        exitCode: null,
        outcome: 'error',
        summary: `the bot failed running this step: ${(error as Error).message}`,
        result: { error: (error as Error).message },
        outputExcerpt: null,
      };
    } finally {
      clearInterval(renew);
      this.lastRetryText.delete(step.id);
    }
    await this.recordFinished(run, step, executed);
    this.deps.onChange?.();
    const seconds = ((executed.result as { durationMs?: number } | null)?.durationMs ?? 0) / 1000;
    try {
      this.deps.observer?.stepFinished(step, executed.outcome, executed.state, seconds);
    } catch {
      // Counting a step must never change its outcome.
    }
    return executed;
  }

  /** A lease that could not be renewed is logged; the step's own deadline still ends it. */
  private renewLease(step: Step, leaseMs: number): void {
    this.store.steps.renewLease(step.id, leaseMs).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, stepId: step.id }, "could not renew a running step's lease");
    });
  }

  private async recordFinished(run: Run, step: Step, executed: ExecutedStep): Promise<void> {
    await this.store.withTransaction(async (tx) => {
      const { recorded } = await tx.steps.finish(step.id, {
        state: executed.state,
        exitCode: executed.exitCode,
        outcome: executed.outcome,
        result: executed.result,
        outputExcerpt: executed.outputExcerpt,
      });
      if (!recorded) return; // recovered as interrupted meanwhile: that record stands
      const text = `${step.title}: ${executed.summary}`;
      await recordTransition(tx, {
        actor: run.requestedBy,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: `step_${executed.state}`,
        text,
        detail: { outcome: executed.outcome, exitCode: executed.exitCode },
        audit: {
          action: 'step.executed',
          target: `${step.host}/${step.action}`,
          outcome: executed.outcome,
          detail: { run: run.id, step: step.title, params: step.params, exitCode: executed.exitCode },
          requestId: run.id,
        },
        tell: [
          (t) => updateRunMessage(t, run, `step:${step.idx}:${executed.state}:${step.attempt}`, text),
          // The message shows only the end of a long output: the whole of it goes into the run's thread as a file.
          ...(executed.outputCut ? [(t: typeof tx) => uploadStepOutput(t, run, step)] : []),
        ],
      });
    });
  }

  /** A failing check is shown in the thread; if that cannot be written, the log says so with a reference. */
  private async recordRetrySeen(run: Run, step: Step, attempt: ExecutedStep): Promise<void> {
    try {
      await this.recordRetry(run, step, attempt);
    } catch (error) {
      const ref = newReference();
      this.deps.logger.error({ err: error, ref, runId: run.id, stepId: step.id }, 'recording a failing check failed');
    }
  }

  private async recordRetry(run: Run, step: Step, attempt: ExecutedStep): Promise<void> {
    if (this.lastRetryText.get(step.id) === attempt.summary) return;
    this.lastRetryText.set(step.id, attempt.summary);
    const seen = ++this.retries;
    const text = `${step.title}: ${attempt.summary}`;
    await this.store.withTransaction((tx) =>
      recordTransition(tx, {
        actor: run.requestedBy,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: 'check_failing',
        text,
        detail: { outcome: attempt.outcome },
        tell: [(t) => updateRunMessage(t, run, `step:${step.idx}:failing:${step.attempt}:${seen}`, text)],
      }),
    );
    this.deps.onChange?.();
  }
}
