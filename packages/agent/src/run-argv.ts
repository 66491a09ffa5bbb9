import { constants } from 'node:os';
import { execa, type Result, type ResultPromise } from 'execa';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** What one program run produced. A non-zero exit is a value here, not an exception. */
export interface ArgvResult {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started at all (not found, not executable). */
  startError?: string;
  durationMs: number;
}

export interface RunArgvOptions {
  signal: AbortSignal;
  timeoutMs: number;
  env?: Record<string, string>;
  cwd?: string;
  maxOutputBytes: number;
  onChunk?: (stream: 'stdout' | 'stderr', data: string) => void;
}

/** Two programs, the first's stdout feeding the second's stdin (`tar … | age …`, without a shell). */
export interface PipelineResult {
  /** The producer. Its stdout went into the consumer only: never kept, never streamed. */
  from: ArgvResult;
  to: ArgvResult;
}

interface Kept {
  stdout: string;
  stderr: string;
  budget: number;
}

function spawn(argv: readonly string[], options: RunArgvOptions, stdin: 'ignore' | 'pipe') {
  const [file, ...args] = argv;
  if (file === undefined) throw new RecioError(ErrorCode.InvalidParams, 'runArgv needs at least a program');
  return execa(file, args, {
    reject: false,
    stdin,
    buffer: false,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    forceKillAfterDelay: 2_000,
    env: options.env,
    extendEnv: true,
    cwd: options.cwd,
    windowsHide: true,
  });
}

/** Keeps output up to a cap (a runaway log must not exhaust the agent's memory) and streams it as it arrives. */
function capture(
  subprocess: ResultPromise,
  streams: ReadonlyArray<'stdout' | 'stderr'>,
  kept: Kept,
  options: RunArgvOptions,
): void {
  for (const stream of streams) {
    subprocess[stream]?.setEncoding('utf8');
    subprocess[stream]?.on('data', (data: string) => {
      if (kept.budget > 0) {
        const piece = data.length > kept.budget ? data.slice(0, kept.budget) : data;
        kept.budget -= piece.length;
        kept[stream] += piece;
      }
      options.onChunk?.(stream, data);
    });
  }
}

function toResult(argv: readonly string[], result: Result, kept: Kept, started: number): ArgvResult {
  const startError =
    result.failed && result.exitCode === undefined && !result.timedOut && !result.isCanceled
      ? result.shortMessage
      : undefined;
  return {
    argv,
    exitCode: result.exitCode ?? exitCodeWithoutOne(startError, result.signal),
    stdout: kept.stdout,
    stderr: kept.stderr,
    timedOut: result.timedOut || result.isCanceled,
    ...(startError !== undefined ? { startError } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}

/** Runs an argv array with execa: no shell, stdin closed, killed on timeout or abort. */
export async function runArgv(argv: readonly string[], options: RunArgvOptions): Promise<ArgvResult> {
  const started = performance.now();
  const kept: Kept = { stdout: '', stderr: '', budget: options.maxOutputBytes };
  const subprocess = spawn(argv, options, 'ignore');
  capture(subprocess, ['stdout', 'stderr'], kept, options);
  return toResult(argv, await subprocess, kept, started);
}

/**
 * Runs `from | to` with execa's pipe API, both under the same timeout and signal. The producer's
 * stdout is not listened to: in `tar | age` it is the plaintext of the secrets being archived.
 */
export async function runPipeline(
  from: readonly string[],
  to: readonly string[],
  options: RunArgvOptions,
): Promise<PipelineResult> {
  const started = performance.now();
  const keptFrom: Kept = { stdout: '', stderr: '', budget: options.maxOutputBytes };
  const keptTo: Kept = { stdout: '', stderr: '', budget: options.maxOutputBytes };
  const producer = spawn(from, options, 'ignore');
  const consumer = spawn(to, options, 'pipe');
  capture(producer, ['stderr'], keptFrom, options);
  capture(consumer, ['stdout', 'stderr'], keptTo, options);
  const piped = producer.pipe(consumer);
  const [fromResult, toResult_] = await Promise.all([producer, consumer, piped.catch(() => undefined)]);
  return { from: toResult(from, fromResult, keptFrom, started), to: toResult(to, toResult_, keptTo, started) };
}

// The shell conventions: 127 could not start, 128+n killed by signal n, 124 timed out.
function exitCodeWithoutOne(startError: string | undefined, signal: string | undefined): number {
  if (startError !== undefined) return 127;
  const number = signal === undefined ? undefined : constants.signals[signal as keyof typeof constants.signals];
  return number === undefined ? 124 : 128 + number;
}
