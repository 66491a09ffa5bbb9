import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Answer } from '../operations/types.js';
import { DRILL_ACTOR, drillOrigin } from './drill-actors.js';
import type { DrillContext, PreparedBreak } from './drill-types.js';
import type { Actor, Run, RunState, Step } from '../domain/index.js';

const ENDED: readonly RunState[] = ['succeeded', 'failed', 'skipped', 'interrupted', 'cancelled'];

export function hasEnded(run: Run): boolean {
  return ENDED.includes(run.state);
}

export interface DriveOptions {
  timeoutMs: number;
  approver: Actor;
  /** Told each click the drill makes (an approval, a go-ahead), for the count against the plan. */
  act(what: string): void;
  /** A gate is passed only when this says so (the checklist's hand-ticked item waits for the rest). */
  readyToConfirm?(step: Step, steps: Step[]): boolean;
  external?: PreparedBreak['external'];
}

const answered = (answer: Answer) => ('text' in answer ? answer.text : answer.type);

async function approvalOf(ctx: DrillContext, step: Step): Promise<string | undefined> {
  const events = await ctx.store.timeline.list({ runId: step.runId });
  const requested = events.filter((e) => e.kind === 'approval_requested' && e.stepId === step.id).at(-1);
  return (requested?.detail as { approvalId?: string } | undefined)?.approvalId;
}

/** A run's steps in a line each, for a failure a person reads. */
export async function describeSteps(ctx: DrillContext, runId: string): Promise<string> {
  const steps = await ctx.store.runs.steps(runId);
  return steps
    .map((s) => `${s.title}: ${s.state}${s.outcome && s.state !== 'succeeded' ? ` (${s.outcome})` : ''}`)
    .join('; ');
}

/**
 * Takes a run to its end the way the people in the thread would: a second-person approval by the
 * approver, a go-ahead (or the checklist's hand-ticked item) by the drill. Each gate is passed once;
 * the run is polled with a bound, and a run still going at the bound is an error naming its steps.
 */
export async function driveRun(ctx: DrillContext, runId: string, options: DriveOptions): Promise<Run> {
  const handled = new Set<string>();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const run = await ctx.store.runs.get(runId);
    if (run === undefined) throw new RecioError(ErrorCode.NotFound, `run ${runId} is gone`);
    if (hasEnded(run)) return run;
    const steps = await ctx.store.runs.steps(runId);
    if (options.external && !options.external.ended && options.external.endsWhen(steps)) {
      options.external.ended = true;
      await options.external.end();
    }
    for (const step of steps.filter((s) => s.state === 'awaiting_approval' && !handled.has(s.id))) {
      if (step.approval === 'second_person') {
        const approvalId = await approvalOf(ctx, step);
        if (approvalId === undefined) continue;
        handled.add(step.id);
        const answer = await ctx.ops.decideApproval(
          approvalId,
          'approved',
          options.approver,
          drillOrigin(ctx, `approve:${approvalId}`),
        );
        options.act(`approve "${step.title.split(' (')[0]}" as ${options.approver.id}`);
        if (answer.type !== 'text' || !answer.text.startsWith('Approved'))
          throw new RecioError(ErrorCode.ActionFailed, `approving "${step.title}" was refused: ${answered(answer)}`, {
            runId,
          });
      } else if (step.approval === 'confirm' && (options.readyToConfirm?.(step, steps) ?? true)) {
        handled.add(step.id);
        const answer = await ctx.ops.confirmStep(step.id, DRILL_ACTOR, drillOrigin(ctx, `confirm:${step.id}`));
        options.act(`${step.action === 'check.manual' ? 'confirm' : 'go-ahead'}: ${step.title}`);
        if (answer.type !== 'text' || !answer.text.startsWith('Go-ahead recorded'))
          throw new RecioError(
            ErrorCode.ActionFailed,
            `the go-ahead on "${step.title}" was refused: ${answered(answer)}`,
            { runId },
          );
      }
    }
    if (Date.now() > deadline)
      throw new RecioError(
        ErrorCode.StepTimeout,
        `${String(run.params.title ?? run.scenario)} still ${run.state} ` +
          `after ${Math.round(options.timeoutMs / 1000)} s: ${await describeSteps(ctx, runId)}`,
        { runId },
      );
    await sleep(250);
  }
}
