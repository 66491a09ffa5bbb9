import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { ActorId, JsonObject, Run, Step } from '../domain/index.js';
import type { Repos, StepInput, Store } from '../store/index.js';
import type { StepPlan } from './plan.js';
import { postRunMessage, updateRunMessage } from './run-notices.js';
import { planOf } from './step-plan.js';
import { recordTransition } from './transition.js';

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

export const ACTIVE: Run['state'][] = ['pending', 'running', 'awaiting_approval'];

type EndState = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** Told after a change with outbox rows is committed, and how runs end. */
export interface MachineHooks {
  onChange?: () => void;
  observer?: EngineObserver;
}

/** Calls an observer without letting it fail a run: counting is never worth a recovery. */
function observe(call: () => void): void {
  try {
    call();
  } catch {
    // Metrics and notifications must not change a run's outcome.
  }
}

/**
 * The run state machine: pending → running → succeeded | failed | skipped | cancelled (and
 * awaiting_approval in between). Every transition is a conditional update in the store, written
 * with its timeline, audit and messages in one transaction (recordTransition).
 */
export class RunMachine {
  constructor(
    private readonly store: Store,
    private readonly hooks: MachineHooks,
  ) {}

  async create(input: StartRunInput): Promise<{ run: Run; created: boolean }> {
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
        await recordTransition(tx, {
          actor: input.requestedBy,
          runId: made.run.id,
          incidentId: made.run.incidentId,
          kind: 'run_started',
          text: `${input.title}${made.run.dryRun ? ' (dry run)' : ''} requested`,
          detail: { scenario: input.scenario, steps: made.steps.length },
          audit: {
            action: 'run.requested',
            target: `run:${made.run.id}`,
            outcome: 'ok',
            detail: { scenario: input.scenario, params: input.params ?? {}, dryRun: made.run.dryRun },
            requestId: input.requestId ?? null,
          },
          tell: [(t) => postRunMessage(t, made.run, `${input.title}: starting`)],
        });
      }
      return made;
    });
    if (created) this.hooks.onChange?.();
    return { run, created };
  }

  /** Moves one step to `skipped` (from `from`), told in the timeline and the run message. */
  async skip(
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
      if (outcome === 'skipped') await tx.runs.transition(run.id, 'running', ['awaiting_approval']);
      await recordTransition(tx, {
        actor,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: 'step_skipped',
        text: `${step.title}: ${why}`,
        detail: { outcome },
        tell: [(t) => updateRunMessage(t, run, `step:${step.idx}:skipped`, `${step.title}: ${why}`)],
      });
      return true;
    });
    if (done) this.hooks.onChange?.();
    return done;
  }

  /**
   * A step refused before anything ran (the bot found its input unusable, or its host says it cannot
   * meet the request): failed with why, told in the run message and the timeline, and audited;
   * nothing was sent to run.
   */
  async refuse(run: Run, step: Step, actor: ActorId, why: string, detail: JsonObject = {}): Promise<boolean> {
    const done = await this.store.withTransaction(async (tx) => {
      const moved = await tx.steps.refuse(step.id, why);
      if (moved === undefined) return false;
      await recordTransition(tx, {
        actor,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: 'step_failed',
        text: `${step.title}: refused, nothing ran: ${why}`,
        detail: { outcome: 'refused', ...detail },
        audit: {
          action: 'step.refused',
          target: `${step.host}/${step.action}`,
          outcome: 'refused',
          detail: { run: run.id, step: step.title, params: step.params, why },
          requestId: run.id,
        },
        tell: [(t) => updateRunMessage(t, run, `step:${step.idx}:refused`, `${step.title}: refused: ${why}`)],
      });
      return true;
    });
    if (done) this.hooks.onChange?.();
    return done;
  }

  /** Every step is done: the run ends failed if a stopping step failed, else succeeded (or skipped). */
  complete(run: Run, steps: Step[], actor: ActorId): Promise<Run> {
    const failed = steps.filter((s) => s.state === 'failed' && planOf(s).onFailure === 'stop');
    const ran = steps.some((s) => s.state === 'succeeded' || s.state === 'failed');
    const state = failed.length > 0 ? 'failed' : ran || run.dryRun ? 'succeeded' : 'skipped';
    const why = state === 'succeeded' ? 'all steps done' : state === 'skipped' ? 'nothing to do' : 'failed';
    return this.finish(run, state, actor, why);
  }

  async finish(run: Run, state: Exclude<EndState, 'cancelled'>, actor: ActorId, why: string): Promise<Run> {
    const finished = await this.store.withTransaction((tx) => this.finishInTx(tx, run.id, state, actor, why));
    this.hooks.onChange?.();
    if (finished) observe(() => this.hooks.observer?.runSettled?.(finished));
    return finished ?? this.mustGetRun(run.id);
  }

  async cancel(runId: string, actor: ActorId, why: string): Promise<Run | undefined> {
    const run = await this.store.withTransaction((tx) => this.finishInTx(tx, runId, 'cancelled', actor, why));
    this.hooks.onChange?.();
    return run;
  }

  /** Ends an active run inside the caller's transaction; undefined if it had ended already. */
  async finishInTx(tx: Repos, runId: string, state: EndState, actor: ActorId, why: string): Promise<Run | undefined> {
    const run = await tx.runs.transition(runId, state, ACTIVE);
    if (run === undefined) return undefined;
    const title = String(run.params.title ?? run.scenario);
    await recordTransition(tx, {
      actor,
      runId,
      incidentId: run.incidentId,
      kind: `run_${state}`,
      text: `${title}: ${state} — ${why}`,
      audit: { action: `run.${state}`, target: `run:${runId}`, outcome: state, detail: { why }, requestId: runId },
      tell: [(t) => updateRunMessage(t, run, `finished:${state}`, `${title}: ${state}`)],
    });
    observe(() => this.hooks.observer?.runFinished(state));
    return run;
  }

  async mustGetRun(runId: string): Promise<Run> {
    const run = await this.store.runs.get(runId);
    if (run === undefined) throw new RecioError(ErrorCode.NotFound, `no run ${runId}`, { runId });
    return run;
  }
}
