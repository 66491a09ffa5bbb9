import { setTimeout as sleep } from 'node:timers/promises';
import { isRecioError } from '@recio/protocol/errors';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { HostResult } from '../hosts/transport.js';
import { isActionName } from '@recio/protocol/actions';
import type { Store } from '../store/index.js';
import { redactSecrets } from '@recio/protocol/redact';
import { explainCutOff } from './restore-cutoff.js';
import { runCheck, type CheckContext, type CheckOutcome, type ChecksConfig } from './checks.js';
import type { StepPlan } from './plan.js';
import type { BotCheck } from './schema.js';
import type { Json, Run, Step } from '../domain/index.js';

/** How one step ended, ready for the store. `unknown` is never success: the action may or may not have run. */
export interface ExecutedStep {
  state: 'succeeded' | 'failed';
  exitCode: number | null;
  outcome: 'ok' | 'error' | 'timeout' | 'unknown' | 'locked' | 'refused';
  /** One line for the run message and the timeline. */
  summary: string;
  result: Json;
  outputExcerpt: string | null;
  /** The excerpt is only the end of the output; the whole of it (in `result.output`) goes up as a file. */
  outputCut?: boolean;
}

export interface StepRunnerDeps {
  store: Store;
  hosts: Hosts;
  withRole: CheckContext['withRole'];
  checks: ChecksConfig;
  /** How long to wait for a busy host+service lock before telling the operator who holds it. */
  lockWaitMs: number;
}

const EXCERPT_CHARS = 1_500;
const MAX_KEPT_OUTPUT = 256 * 1024;

/** The end of the output that a message shows, and whether that is less than all of it. */
function excerptOf(output: string): { excerpt: string | null; cut: boolean } {
  const clean = redactSecrets(output).trimEnd();
  if (clean === '') return { excerpt: null, cut: false };
  return clean.length <= EXCERPT_CHARS
    ? { excerpt: clean, cut: false }
    : { excerpt: `…${clean.slice(-EXCERPT_CHARS)}`, cut: true };
}

function fromHostResult(result: HostResult): ExecutedStep {
  const outcome = result.outcomeUnknown
    ? 'unknown'
    : result.ok
      ? 'ok'
      : result.timedOut
        ? 'timeout'
        : result.error?.code === 'invalid_params' || result.error?.code === 'unknown_service'
          ? 'refused'
          : 'error';
  const summary = result.ok
    ? `ok in ${(result.durationMs / 1000).toFixed(1)}s`
    : `${result.error?.message ?? `exit ${result.exitCode}`}` +
      (result.outcomeUnknown ? ' — outcome unknown, check before retrying' : '');
  const output = result.output.length > MAX_KEPT_OUTPUT ? result.output.slice(-MAX_KEPT_OUTPUT) : result.output;
  const { excerpt, cut } = excerptOf(result.output);
  return {
    state: result.ok ? 'succeeded' : 'failed',
    exitCode: result.exitCode,
    outcome,
    summary: redactSecrets(summary),
    result: JSON.parse(
      JSON.stringify({
        data: result.data ?? null,
        error: result.error ?? null,
        durationMs: result.durationMs,
        requestId: result.requestId,
        output: redactSecrets(output),
        outputTruncated: result.outputTruncated || output.length < result.output.length,
      }),
    ) as Json,
    outputExcerpt: excerpt,
    outputCut: cut,
  };
}

function fromCheck(outcome: CheckOutcome): ExecutedStep {
  return {
    state: outcome.ok ? 'succeeded' : 'failed',
    exitCode: outcome.ok ? 0 : 1,
    outcome: outcome.ok ? 'ok' : 'error',
    summary: redactSecrets(outcome.detail),
    result: JSON.parse(JSON.stringify({ detail: outcome.detail, data: outcome.data ?? null })) as Json,
    outputExcerpt: null,
  };
}

async function attempt(
  step: Step,
  plan: StepPlan,
  run: Run,
  deps: StepRunnerDeps,
  signal: AbortSignal,
): Promise<ExecutedStep> {
  if (isActionName(step.action)) {
    const result = await deps.hosts.run(
      step.host,
      { action: step.action, params: step.params as never },
      { deadlineMs: plan.timeoutMs, signal, traceId: run.id },
    );
    return fromHostResult(await explainCutOff(deps.hosts, result, run.id));
  }
  const outcome = await runCheck(step.action as BotCheck, step.params, {
    hosts: deps.hosts,
    withRole: deps.withRole,
    config: deps.checks,
    signal,
    deadlineMs: plan.timeoutMs,
    traceId: run.id,
  });
  return fromCheck(outcome);
}

/** Told about each failed attempt that will be tried again, so a checklist item shows red and why. */
export type OnRetry = (executed: ExecutedStep) => Promise<void>;

/**
 * When the retry window opened: the step's start, or (`from: detected`) when the run's incident was
 * detected, so a click 20 minutes into an outage does not wait another 15.
 */
async function windowStart(plan: StepPlan, run: Run, deps: StepRunnerDeps): Promise<{ at: number; detected: boolean }> {
  if (!plan.retry?.fromDetected || run.incidentId === null) return { at: Date.now(), detected: false };
  const incident = await deps.store.incidents.get(run.incidentId);
  return incident ? { at: incident.openedAt.getTime(), detected: true } : { at: Date.now(), detected: false };
}

/**
 * The pause between attempts. A step with a `cut_short` button looks at the store each second
 * (the click may land on another replica) and returns who cut the wait short, if someone did.
 */
async function pause(step: Step, plan: StepPlan, deps: StepRunnerDeps, signal: AbortSignal): Promise<string | null> {
  const end = Date.now() + plan.retry!.everyMs;
  for (;;) {
    if (plan.cutShort !== undefined) {
      const now = await deps.store.steps.get(step.id);
      if (now?.cutShortBy) return now.cutShortBy;
    }
    const left = end - Date.now();
    if (left <= 0 || signal.aborted) return null;
    const slice = plan.cutShort !== undefined ? Math.min(left, 1_000) : left;
    // Only an abort (cancel, shutdown) ends the wait early; the loop then returns the last attempt.
    const aborted = await sleep(slice, false, { signal }).catch((error: unknown) => {
      if (!signal.aborted) throw error;
      return true;
    });
    if (aborted) return null;
  }
}

/** Tries until it passes or the retry window closes (or a person cuts it short); no `retry`: one attempt. */
async function attemptWithRetry(
  step: Step,
  plan: StepPlan,
  run: Run,
  deps: StepRunnerDeps,
  signal: AbortSignal,
  actionSignal: AbortSignal,
  onRetry?: OnRetry,
): Promise<ExecutedStep> {
  const opened = plan.retry ? await windowStart(plan, run, deps) : { at: 0, detected: false };
  const until = plan.retry ? opened.at + plan.retry.withinMs : 0;
  for (;;) {
    const executed = await attempt(step, plan, run, deps, actionSignal);
    // An unknown outcome is never retried blindly: the action may have taken effect.
    if (executed.state === 'succeeded' || executed.outcome === 'unknown' || !plan.retry || signal.aborted)
      return executed;
    if (Date.now() + plan.retry.everyMs > until) {
      if (!opened.detected) return executed;
      const minutes = Math.round((Date.now() - opened.at) / 60_000);
      return { ...executed, summary: `${executed.summary} — ${minutes} min since the outage was detected` };
    }
    // onRetry reports its own failures (the driver logs them with a reference): never thrown here.
    await onRetry?.(executed);
    const cutBy = await pause(step, plan, deps, signal);
    if (cutBy !== null) return { ...executed, summary: `wait cut short by ${cutBy} — ${executed.summary}` };
  }
}

/**
 * Runs one claimed step: under the host+service lock when it changes a service, so two restarts of
 * the same program never interleave. `signal` (a cancelled run, a shutdown) stops retrying but does
 * not cut an action short: a restart cut in half is worse than one that finishes.
 */
export async function executeStep(
  step: Step,
  plan: StepPlan,
  run: Run,
  deps: StepRunnerDeps,
  signal: AbortSignal,
  onRetry?: OnRetry,
): Promise<ExecutedStep> {
  if (plan.lockService === undefined)
    return attemptWithRetry(step, plan, run, deps, signal, new AbortController().signal, onRetry);
  try {
    return await deps.store.locks.withLock(
      {
        host: step.host,
        service: plan.lockService,
        owner: `run ${run.id.slice(0, 8)} (${run.requestedBy})`,
        purpose: step.title,
        leaseMs: plan.timeoutMs + 30_000,
        waitMs: deps.lockWaitMs,
      },
      (lockSignal) => attemptWithRetry(step, plan, run, deps, signal, lockSignal, onRetry),
    );
  } catch (error) {
    if (!isRecioError(error, 'locked')) throw error;
    return {
      state: 'failed',
      exitCode: null,
      outcome: 'locked',
      summary: error.message,
      result: { error: { code: 'locked', message: error.message } },
      outputExcerpt: null,
    };
  }
}
