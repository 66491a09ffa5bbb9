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

/** Tries until it passes or the retry window closes; a step without `retry` gets one attempt. */
async function attemptWithRetry(
  step: Step,
  plan: StepPlan,
  run: Run,
  deps: StepRunnerDeps,
  signal: AbortSignal,
  actionSignal: AbortSignal,
  onRetry?: OnRetry,
): Promise<ExecutedStep> {
  const until = plan.retry ? Date.now() + plan.retry.withinMs : 0;
  for (;;) {
    const executed = await attempt(step, plan, run, deps, actionSignal);
    // An unknown outcome is never retried blindly: the action may have taken effect.
    if (
      executed.state === 'succeeded' ||
      executed.outcome === 'unknown' ||
      !plan.retry ||
      Date.now() + plan.retry.everyMs > until ||
      signal.aborted
    ) {
      return executed;
    }
    // onRetry reports its own failures (the driver logs them with a reference): never thrown here.
    await onRetry?.(executed);
    // Only an abort (cancel, shutdown) ends the wait early; the loop then returns the last attempt.
    await sleep(plan.retry.everyMs, undefined, { signal }).catch((error: unknown) => {
      if (!signal.aborted) throw error;
    });
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
