import { constants } from 'node:os';
import { execa } from 'execa';

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

/**
 * Runs an argv array with execa: no shell, stdin closed, killed on timeout or abort. Output is kept
 * up to a cap (a runaway log must not exhaust the agent's memory) and streamed as it arrives.
 */
export async function runArgv(argv: readonly string[], options: RunArgvOptions): Promise<ArgvResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runArgv needs at least a program');
  const started = performance.now();
  const kept = { stdout: '', stderr: '' };
  let budget = options.maxOutputBytes;
  const subprocess = execa(file, args, {
    reject: false,
    stdin: 'ignore',
    buffer: false,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    forceKillAfterDelay: 2_000,
    env: options.env,
    extendEnv: true,
    cwd: options.cwd,
    // Programs such as psql and git change their output for a terminal; keep it stable.
    windowsHide: true,
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    subprocess[stream]?.setEncoding('utf8');
    subprocess[stream]?.on('data', (data: string) => {
      if (budget > 0) {
        const piece = data.length > budget ? data.slice(0, budget) : data;
        budget -= piece.length;
        kept[stream] += piece;
      }
      options.onChunk?.(stream, data);
    });
  }
  const result = await subprocess;
  const durationMs = Math.round(performance.now() - started);
  const startError = result.failed && result.exitCode === undefined && !result.timedOut && !result.isCanceled
    ? result.shortMessage
    : undefined;
  return {
    argv,
    exitCode: result.exitCode ?? exitCodeWithoutOne(startError, result.signal),
    stdout: kept.stdout,
    stderr: kept.stderr,
    timedOut: result.timedOut || result.isCanceled,
    ...(startError !== undefined ? { startError } : {}),
    durationMs,
  };
}

// The shell conventions: 127 could not start, 128+n killed by signal n, 124 timed out.
function exitCodeWithoutOne(startError: string | undefined, signal: string | undefined): number {
  if (startError !== undefined) return 127;
  const number = signal === undefined ? undefined : constants.signals[signal as keyof typeof constants.signals];
  return number === undefined ? 124 : 128 + number;
}
