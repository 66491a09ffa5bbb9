import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Repos, StepInput, Store } from '../store/index.js';
import { conditionHolds, planOf } from './step-plan.js';
import type { StepPlan } from './plan.js';
import {
  approvalPostKey,
  noteApprovalExpired,
  postInRunThread,
  postRunMessage,
  updateRunMessage,
  uploadStepOutput,
} from './run-notices.js';
import { executeStep, type ExecutedStep, type StepRunnerDeps } from './step-runner.js';
import {
  SYSTEM,
  type ActorId,
  type Approval,
  type ApprovalBinding,
  type JsonObject,
  type Run,
  type Step,
} from '../domain/index.js';

export interface EngineDeps extends StepRunnerDeps {
  /** Default 15 minutes: past it an approval is void and the run does not proceed on it. */
  approvalTtlMs: number;
  /** Told after every change that has outbox rows, so the publisher sends without waiting. */
  onChange?: () => void;
  /** Told how steps and runs end (metrics); never allowed to fail a run. */
  observer?: EngineObserver;
}

/** What the engine reports for counting: a metrics adapter implements it. */
export interface EngineObserver {
  stepFinished(
    step: { host: string; action: string },
    outcome: string,
    state: 'succeeded' | 'failed',
    seconds: number,
  ): void;
  runFinished(state: 'succeeded' | 'failed' | 'skipped' | 'cancelled'): void;
  /**
   * A run's end, once committed (so a reader sees it): a checklist that went green on its last,
   * hand-ticked item has nobody else to tell the incident desk to offer Resolve.
   */
  runSettled?(run: Run): void;
}

export interface StartRunInput {
  scenario: string;
  title: string;
  steps: Array<StepInput & { spec: StepPlan }>;
  params?: JsonObject;
  requestedBy: ActorId;
  /** The same key (a Slack trigger id, an incident+scenario) always lands on the same run. */
  dedupeKey: string;
  channel?: string | null;
  threadTs?: string | null;
  incidentId?: string | null;
  dryRun?: boolean;
  requestId?: string | null;
}

const ACTIVE: Run['state'][] = ['pending', 'running', 'awaiting_approval'];
const LEASE_MARGIN_MS = 30_000;

export const bindingOf = (step: Step): ApprovalBinding => ({
  host: step.host,
  action: step.action,
  params: step.params,
});

/**
 * The run state machine: pending → running → succeeded | failed | skipped | awaiting_approval |
 * interrupted. Steps run one at a time up to the next gate; every transition is a conditional
 * update in the store, so a retried delivery, a double click or a second replica cannot run a step
 * twice. Everything the engine decides is written with its timeline, audit and outbox rows in one
 * transaction.
 */
export class RunEngine {
  constructor(
    private readonly store: Store,
    private readonly deps: EngineDeps,
  ) {}

  async start(input: StartRunInput): Promise<{ run: Run; created: boolean }> {
    const { run, created } = await this.store.withTransaction(async (tx) => {
      const made = await tx.runs.create({
        scenario: input.scenario,
        requestedBy: input.requestedBy,
        steps: input.steps.map((s) => ({ ...s, spec: s.spec as unknown as JsonObject })),
        params: { ...(input.params ?? {}), title: input.title },
        dedupeKey: input.dedupeKey,
        channel: input.channel ?? null,
        threadTs: input.threadTs ?? null,
        incidentId: input.incidentId ?? null,
        dryRun: input.dryRun ?? false,
      });
      if (made.created) {
        await tx.timeline.add({
          runId: made.run.id,
          incidentId: made.run.incidentId,
          actor: input.requestedBy,
          kind: 'run_started',
          text: `${input.title}${made.run.dryRun ? ' (dry run)' : ''} requested`,
          detail: { scenario: input.scenario, steps: made.steps.length },
        });
        await tx.audit.append({
          actor: input.requestedBy,
          action: 'run.requested',
          target: `run:${made.run.id}`,
          outcome: 'ok',
          detail: { scenario: input.scenario, params: input.params ?? {}, dryRun: made.run.dryRun },
          requestId: input.requestId ?? null,
        });
        await postRunMessage(tx, made.run, `${input.title}: starting`);
      }
      return made;
    });
    if (created) this.deps.onChange?.();
    return { run, created };
  }

  /**
   * Runs steps until the run ends or reaches a gate (an approval, a confirmation) or another
   * instance holds it. A checklist (`parallel` runbook) runs every ready step at once and stops
   * only when nothing but gates is left.
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

  private stopping = false;
  private readonly advancing = new Set<Promise<Run>>();

  private readonly inFlight = new Map<string, AbortController>();

  private async advanceLoop(runId: string, actor: ActorId, signal: AbortSignal): Promise<Run> {
    for (;;) {
      if (signal.aborted) return this.mustGetRun(runId);
      const run = await this.mustGetRun(runId);
      if (!ACTIVE.includes(run.state)) return run;
      const steps = await this.store.runs.steps(runId);
      const open = steps.filter(
        (s) => s.state === 'pending' || s.state === 'awaiting_approval' || s.state === 'running',
      );
      if (open.length === 0) return this.complete(run, steps, actor);
      const parallel = run.params.parallel === true;
      const ready = parallel
        ? open.filter((s) => s.state === 'pending')
        : open[0]!.state === 'pending'
          ? [open[0]!]
          : [];
      if (ready.length === 0) {
        if (parallel && open.every((s) => s.state === 'awaiting_approval'))
          await this.store.runs.transition(run.id, 'awaiting_approval', ['pending', 'running']);
        return this.mustGetRun(runId);
      }
      const results = await Promise.all(ready.map((step) => this.stepOnce(run, step, steps, actor, parallel, signal)));
      const stop = results.find((r) => r.kind === 'stop');
      if (stop?.kind === 'stop') return this.finishRun(run, 'failed', actor, stop.why);
      if (!results.some((r) => r.kind === 'progressed')) return this.mustGetRun(runId);
    }
  }

  private async stepOnce(
    run: Run,
    step: Step,
    steps: Step[],
    actor: ActorId,
    parallel: boolean,
    signal: AbortSignal,
  ): Promise<{ kind: 'progressed' | 'waiting' } | { kind: 'stop'; why: string }> {
    const plan = planOf(step);
    if (!conditionHolds(plan, steps)) {
      await this.skip(run, step, actor, `skipped: ${plan.when?.step} did not end ${plan.when?.outcome}`, 'condition');
      return { kind: 'progressed' };
    }
    if (run.dryRun) {
      await this.skip(
        run,
        step,
        actor,
        `dry run: would run ${step.action} on ${step.host} ${JSON.stringify(step.params)}`,
        'dry_run',
      );
      return { kind: 'progressed' };
    }
    if (step.approval !== 'none' && !(await this.gateOpen(run, step))) {
      await this.openGate(run, step, actor, parallel);
      return { kind: 'waiting' };
    }
    const claim = await this.store.steps.claim(step.id, { leaseMs: this.leaseFor(plan) });
    if (!claim.claimed) return { kind: 'waiting' };
    const executed = await this.runClaimed(run, claim.step, plan, signal);
    if (executed.state === 'failed' && plan.onFailure === 'stop')
      return { kind: 'stop', why: `stopped at "${step.title}": ${executed.summary}` };
    return { kind: 'progressed' };
  }

  /** A person said yes to a `confirm` gate (or ticked a manual checklist item). Exactly once. */
  async confirm(stepId: string, actor: ActorId, requestId?: string): Promise<{ confirmed: boolean; step: Step }> {
    const result = await this.store.withTransaction(async (tx) => {
      const step = await tx.steps.get(stepId);
      if (step === undefined) throw new RecioError(ErrorCode.NotFound, 'that step no longer exists');
      const moved = await tx.steps.transition(stepId, 'pending', ['awaiting_approval']);
      if (moved === undefined) return { confirmed: false, step };
      const run =
        (await tx.runs.transition(step.runId, 'running', ['awaiting_approval'])) ?? (await tx.runs.get(step.runId));
      await tx.timeline.add({
        runId: step.runId,
        stepId,
        incidentId: run?.incidentId ?? null,
        actor,
        kind: 'step_confirmed',
        text: `${step.title}: confirmed`,
        detail: {},
      });
      await tx.audit.append({
        actor,
        action: 'step.confirmed',
        target: `run:${step.runId}`,
        outcome: 'ok',
        detail: { step: step.title },
        requestId: requestId ?? null,
      });
      if (run) await updateRunMessage(tx, run, `step:${step.idx}:confirmed`, `${step.title}: confirmed`);
      return { confirmed: true, step: moved };
    });
    if (result.confirmed) this.deps.onChange?.();
    return result;
  }

  /** An approval was decided: an approved gate opens, a denied one ends the run. */
  async afterDecision(approvalId: string, actor: ActorId): Promise<Run | undefined> {
    const approval = await this.store.approvals.get(approvalId);
    if (approval === undefined) return undefined;
    const changed = await this.store.withTransaction((tx) => this.settleDecision(tx, approval, actor));
    this.deps.onChange?.();
    return changed;
  }

  /**
   * Approvals past their expiry: each is marked expired, its message rewritten ("expired", no
   * buttons) and its run stopped, all in one transaction, so a crash cannot leave an expired
   * approval whose message still offers Approve or whose run still waits. Two replicas sweeping
   * at once each get different approvals (the update takes the rows). Returns how many expired.
   */
  async expireApprovals(): Promise<number> {
    const expired = await this.store.withTransaction(async (tx) => {
      const due = await tx.approvals.expireDue();
      for (const approval of due) {
        const run = await tx.runs.get(approval.runId);
        if (run) await noteApprovalExpired(tx, run, approval.id);
        await this.settleDecision(tx, approval, SYSTEM);
      }
      return due;
    });
    if (expired.length > 0) this.deps.onChange?.();
    return expired.length;
  }

  private async settleDecision(tx: Repos, approval: Approval, actor: ActorId): Promise<Run | undefined> {
    const step = await tx.steps.get(approval.stepId);
    if (step === undefined) return undefined;
    if (approval.state === 'approved') {
      if ((await tx.steps.transition(step.id, 'pending', ['awaiting_approval'])) === undefined) return undefined;
      return tx.runs.transition(step.runId, 'running', ['awaiting_approval']);
    }
    if ((await tx.steps.transition(step.id, 'skipped', ['awaiting_approval'])) === undefined) return undefined;
    return this.finishInTx(
      tx,
      step.runId,
      'cancelled',
      actor,
      `${step.title}: ${approval.state === 'denied' ? `denied by ${approval.decidedBy}` : 'approval expired'}`,
    );
  }

  async skipStep(stepId: string, actor: ActorId): Promise<boolean> {
    const step = await this.store.steps.get(stepId);
    if (step === undefined) return false;
    const run = await this.mustGetRun(step.runId);
    return this.skip(run, step, actor, 'skipped by hand', 'skipped', ['pending', 'awaiting_approval']);
  }

  async cancel(runId: string, actor: ActorId, why = 'cancelled'): Promise<Run | undefined> {
    const run = await this.store.withTransaction((tx) => this.finishInTx(tx, runId, 'cancelled', actor, why));
    this.inFlight.get(runId)?.abort();
    this.deps.onChange?.();
    return run;
  }

  private leaseFor(plan: StepPlan): number {
    return plan.timeoutMs + (plan.retry?.withinMs ?? 0) + this.deps.lockWaitMs + LEASE_MARGIN_MS;
  }

  private async runClaimed(run: Run, step: Step, plan: StepPlan, signal: AbortSignal): Promise<ExecutedStep> {
    await this.store.withTransaction(async (tx) => {
      await tx.timeline.add({
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        actor: run.requestedBy,
        kind: 'step_started',
        text: `${step.title}: running on ${step.host}`,
        detail: { action: step.action, params: step.params },
      });
      await updateRunMessage(tx, run, `step:${step.idx}:running:${step.attempt}`, `${step.title}: running`);
    });
    this.deps.onChange?.();
    const leaseMs = this.leaseFor(plan);
    const renew = setInterval(
      () => void this.store.steps.renewLease(step.id, leaseMs).catch(() => undefined),
      Math.max(1_000, leaseMs / 3),
    );
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
          : await executeStep(step, plan, run, this.deps, signal, (attempt) => this.recordRetry(run, step, attempt));
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
    await this.store.withTransaction(async (tx) => {
      const { recorded } = await tx.steps.finish(step.id, {
        state: executed.state,
        exitCode: executed.exitCode,
        outcome: executed.outcome,
        result: executed.result,
        outputExcerpt: executed.outputExcerpt,
      });
      if (!recorded) return; // recovered as interrupted meanwhile: that record stands
      await tx.timeline.add({
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        actor: run.requestedBy,
        kind: `step_${executed.state}`,
        text: `${step.title}: ${executed.summary}`,
        detail: { outcome: executed.outcome, exitCode: executed.exitCode },
      });
      await tx.audit.append({
        actor: run.requestedBy,
        action: 'step.executed',
        target: `${step.host}/${step.action}`,
        outcome: executed.outcome,
        detail: { run: run.id, step: step.title, params: step.params, exitCode: executed.exitCode },
        requestId: run.id,
      });
      await updateRunMessage(
        tx,
        run,
        `step:${step.idx}:${executed.state}:${step.attempt}`,
        `${step.title}: ${executed.summary}`,
      );
      // The message shows only the end of a long output: the whole of it goes into the run's thread as a file.
      if (executed.outputCut) await uploadStepOutput(tx, run, step);
    });
    this.deps.onChange?.();
    try {
      this.deps.observer?.stepFinished(
        step,
        executed.outcome,
        executed.state,
        ((executed.result as { durationMs?: number } | null)?.durationMs ?? 0) / 1000,
      );
    } catch {}
    return executed;
  }

  /** A failing check that will be tried again: shown (red, and why) once per distinct reason. */
  private readonly lastRetryText = new Map<string, string>();
  private retries = 0;

  private async recordRetry(run: Run, step: Step, attempt: ExecutedStep): Promise<void> {
    if (this.lastRetryText.get(step.id) === attempt.summary) return;
    this.lastRetryText.set(step.id, attempt.summary);
    const seen = ++this.retries;
    await this.store.withTransaction(async (tx) => {
      await tx.timeline.add({
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        actor: run.requestedBy,
        kind: 'check_failing',
        text: `${step.title}: ${attempt.summary}`,
        detail: { outcome: attempt.outcome },
      });
      await updateRunMessage(
        tx,
        run,
        `step:${step.idx}:failing:${step.attempt}:${seen}`,
        `${step.title}: ${attempt.summary}`,
      );
    });
    this.deps.onChange?.();
  }

  private async gateOpen(run: Run, step: Step): Promise<boolean> {
    if (step.approval === 'second_person')
      return (await this.store.approvals.approvedFor(step.id, bindingOf(step))) !== undefined;
    const events = await this.store.timeline.list({ runId: run.id });
    return events.some((e) => e.kind === 'step_confirmed' && e.stepId === step.id);
  }

  private async openGate(run: Run, step: Step, actor: ActorId, parallel: boolean): Promise<void> {
    await this.store.withTransaction(async (tx) => {
      if ((await tx.steps.transition(step.id, 'awaiting_approval', ['pending'])) === undefined) return;
      // In a checklist the other items go on; the run waits only once nothing but gates is left.
      const waiting = parallel ? run : await tx.runs.transition(run.id, 'awaiting_approval', ['pending', 'running']);
      if (waiting === undefined) return;
      if (step.approval === 'second_person') {
        const approval = await tx.approvals.request({
          stepId: step.id,
          requestedBy: run.requestedBy,
          ttlMs: this.deps.approvalTtlMs,
          requiredRole: 'lead_operator',
        });
        await tx.timeline.add({
          runId: run.id,
          stepId: step.id,
          incidentId: run.incidentId,
          actor,
          kind: 'approval_requested',
          text: `${step.title}: needs a second lead_operator`,
          detail: { approvalId: approval.id },
        });
        await tx.audit.append({
          actor: run.requestedBy,
          action: 'approval.requested',
          target: `run:${run.id}`,
          outcome: 'pending',
          detail: {
            step: step.title,
            host: step.host,
            action: step.action,
            params: step.params,
            approval: approval.id,
          },
          requestId: run.id,
        });
        await postInRunThread(tx, waiting, approvalPostKey(approval.id), `Approval needed: ${step.title}`, {
          type: 'approval',
          approvalId: approval.id,
        });
      } else {
        await tx.timeline.add({
          runId: run.id,
          stepId: step.id,
          incidentId: run.incidentId,
          actor,
          kind: 'confirmation_requested',
          text: `${step.title}: waiting for a go-ahead`,
          detail: {},
        });
      }
      await updateRunMessage(
        tx,
        waiting,
        `step:${step.idx}:gate`,
        `${step.title}: waiting for ${step.approval === 'second_person' ? 'approval' : 'a go-ahead'}`,
      );
    });
    this.deps.onChange?.();
  }

  private async skip(
    run: Run,
    step: Step,
    actor: ActorId,
    why: string,
    outcome: string,
    from: Step['state'][] = ['pending'],
  ): Promise<boolean> {
    const done = await this.store.withTransaction(async (tx) => {
      const moved = await tx.steps.transition(step.id, 'skipped', from);
      if (moved === undefined) return false;
      await tx.timeline.add({
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        actor,
        kind: 'step_skipped',
        text: `${step.title}: ${why}`,
        detail: { outcome },
      });
      if (outcome === 'skipped') await tx.runs.transition(run.id, 'running', ['awaiting_approval']);
      await updateRunMessage(tx, run, `step:${step.idx}:skipped`, `${step.title}: ${why}`);
      return true;
    });
    if (done) this.deps.onChange?.();
    return done;
  }

  private async complete(run: Run, steps: Step[], actor: ActorId): Promise<Run> {
    const failed = steps.filter((s) => s.state === 'failed' && planOf(s).onFailure === 'stop');
    const ran = steps.some((s) => s.state === 'succeeded' || s.state === 'failed');
    const state = failed.length > 0 ? 'failed' : ran || run.dryRun ? 'succeeded' : 'skipped';
    return this.finishRun(
      run,
      state,
      actor,
      state === 'succeeded' ? 'all steps done' : state === 'skipped' ? 'nothing to do' : 'failed',
    );
  }

  private async finishRun(
    run: Run,
    state: 'succeeded' | 'failed' | 'skipped',
    actor: ActorId,
    why: string,
  ): Promise<Run> {
    const finished = await this.store.withTransaction((tx) => this.finishInTx(tx, run.id, state, actor, why));
    this.deps.onChange?.();
    if (finished) {
      try {
        this.deps.observer?.runSettled?.(finished);
      } catch {}
    }
    return finished ?? this.mustGetRun(run.id);
  }

  private async finishInTx(
    tx: Repos,
    runId: string,
    state: 'succeeded' | 'failed' | 'skipped' | 'cancelled',
    actor: ActorId,
    why: string,
  ): Promise<Run | undefined> {
    const run = await tx.runs.transition(runId, state, ACTIVE);
    if (run === undefined) return undefined;
    await tx.timeline.add({
      runId,
      incidentId: run.incidentId,
      actor,
      kind: `run_${state}`,
      text: `${String(run.params.title ?? run.scenario)}: ${state} — ${why}`,
      detail: {},
    });
    await tx.audit.append({
      actor,
      action: `run.${state}`,
      target: `run:${runId}`,
      outcome: state,
      detail: { why },
      requestId: runId,
    });
    await updateRunMessage(tx, run, `finished:${state}`, `${String(run.params.title ?? run.scenario)}: ${state}`);
    try {
      this.deps.observer?.runFinished(state);
    } catch {}
    return run;
  }

  private async mustGetRun(runId: string): Promise<Run> {
    const run = await this.store.runs.get(runId);
    if (run === undefined) throw new RecioError(ErrorCode.NotFound, `no run ${runId}`, { runId });
    return run;
  }
}
