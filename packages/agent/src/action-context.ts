import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionName, ActionParamsOf } from '@recio/protocol/actions';
import type { ActionError } from '@recio/protocol/messages';
import type { AgentConfig } from './agent-config.js';
import type { ArgvResult, PipelineResult } from './run-argv.js';
import { ErrorCode } from '@recio/protocol/errors';

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** What an action handler gets: its host's config, a deadline and a way to run argv arrays. */
export interface ActionContext {
  config: AgentConfig;
  signal: AbortSignal;
  /** Epoch ms after which the action must give up; `run` and `pipe` never outlive it. */
  deadline: number;
  run(argv: readonly string[], options?: RunOptions): Promise<ArgvResult>;
  /** `from | to` without a shell; the producer's stdout is neither kept nor streamed. */
  pipe(from: readonly string[], to: readonly string[], options?: RunOptions): Promise<PipelineResult>;
  /**
   * For undoing what the action itself made (a scratch database): runs even once the deadline has
   * passed or the request was cancelled, bounded by the config's cleanupTimeoutMs instead.
   */
  cleanup(argv: readonly string[], options?: RunOptions): Promise<ArgvResult>;
  /** Streams output the action produces itself (not from a program), redacted like the rest. */
  emit(stream: 'stdout' | 'stderr', data: string): void;
}

/** What a handler returns; the dispatcher adds the duration. */
export interface ActionOutcome {
  ok: boolean;
  exitCode: number;
  timedOut?: boolean;
  data?: unknown;
  error?: ActionError;
}

export type ActionHandler<A extends ActionName> = (
  params: ActionParamsOf<A>,
  ctx: ActionContext,
) => Promise<ActionOutcome>;

export function succeeded(data?: unknown): ActionOutcome {
  return { ok: true, exitCode: 0, ...(data === undefined ? {} : { data }) };
}

export function failed(code: ErrorCode, message: string, data?: unknown, exitCode = 1): ActionOutcome {
  return {
    ok: false,
    exitCode: exitCode === 0 ? 1 : exitCode,
    error: { code, message },
    ...(data === undefined ? {} : { data }),
  };
}

/** A program that could not run, timed out or exited non-zero, as a failed outcome. */
export function failedRun(run: ArgvResult, what: string, data?: unknown): ActionOutcome {
  if (run.timedOut)
    return { ...failed(ErrorCode.StepTimeout, `${what}: timed out`, data, run.exitCode), timedOut: true };
  if (run.startError !== undefined) return failed(ErrorCode.ActionFailed, `${what}: ${run.startError}`, data, 127);
  const detail = (run.stderr.trim() || run.stdout.trim()).split('\n').slice(-3).join(' / ');
  return failed(
    ErrorCode.ActionFailed,
    `${what}: exit ${run.exitCode}${detail ? `: ${detail}` : ''}`,
    data,
    run.exitCode,
  );
}

/**
 * Polls `check` until it returns a value or the deadline passes. Postconditions are polled because
 * the commands that cause them return before they hold (or lie: supervisorctl 3.x exits 0 on failure).
 */
export async function pollUntil<T>(
  ctx: ActionContext,
  deadline: number,
  check: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<T | undefined> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + intervalMs > Math.min(deadline, ctx.deadline) || ctx.signal.aborted) return undefined;
    await sleep(intervalMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}
