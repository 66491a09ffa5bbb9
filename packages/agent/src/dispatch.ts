import { ErrorCode } from '@recio/protocol/errors';
import { ActionParams, ACTION_NAMES, isActionName, type ActionName } from '@recio/protocol/actions';
import { PROTOCOL_VERSION, type ActionResult, type AgentRequest } from '@recio/protocol/messages';
import { redactDeep, redactSecrets } from '@recio/protocol/redact';
import { LineRedactor } from '@recio/protocol/redact-lines';
import { formatIssues } from '@recio/protocol/zod-issues';
import type { ActionContext, ActionHandler, ActionOutcome, RunOptions } from './action-context.js';
import { secretsOf, type AgentConfig } from './agent-config.js';
import { HANDLERS } from './handlers.js';
import { runArgv, runPipeline, type RunArgvOptions } from './run-argv.js';

/** Without a timeout in the request an action still ends: nothing on a host runs unbounded. */
export const DEFAULT_ACTION_TIMEOUT_MS = 120_000;

export interface DispatchOptions {
  signal: AbortSignal;
  onChunk?: (stream: 'stdout' | 'stderr', data: string) => void;
}

function refused(code: ErrorCode, message: string, exitCode = 2): ActionResult {
  return { ok: false, exitCode, durationMs: 0, error: { code, message } };
}

/** Checks a request the way the agent must (version, action, params) before anything runs. */
export function checkRequest(
  request: AgentRequest,
  config: AgentConfig,
): { action: ActionName; params: unknown } | ActionResult {
  if (request.v !== PROTOCOL_VERSION) {
    return refused(
      ErrorCode.ProtocolMismatch,
      `protocol mismatch: the bot speaks v${request.v}, this agent speaks v${PROTOCOL_VERSION}`,
    );
  }
  if (!isActionName(request.action)) {
    return refused(ErrorCode.UnknownAction, `unknown action "${request.action}" (known: ${ACTION_NAMES.join(', ')})`);
  }
  const parsed = ActionParams[request.action].safeParse(request.params);
  if (!parsed.success) {
    return refused(
      ErrorCode.InvalidParams,
      `invalid params for ${request.action}: ${formatIssues(parsed.error).join('; ')}`,
    );
  }
  if (config.services.length === 0 && request.action.startsWith('service.')) {
    return refused(ErrorCode.UnknownService, 'this host lists no services its agent may touch');
  }
  return { action: request.action, params: parsed.data };
}

/** Runs one request to its result. Never throws: every failure is a result the bot can show. */
export async function dispatch(
  request: AgentRequest,
  config: AgentConfig,
  options: DispatchOptions,
): Promise<ActionResult> {
  const started = performance.now();
  const checked = checkRequest(request, config);
  if ('ok' in checked) return checked;
  const secrets = secretsOf(config);
  const timeoutMs = request.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const onChunk = options.onChunk;
  // Each run streams through its own line redactors (one per stream), flushed when the run ends:
  // a secret split across two pipe chunks is redacted as the one line it is.
  const streamed = <R>(
    start: (options: RunArgvOptions) => Promise<R>,
    runOptions: RunOptions | undefined,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<R> => {
    const base: RunArgvOptions = {
      signal,
      timeoutMs,
      maxOutputBytes: config.maxOutputBytes,
      ...(runOptions?.env ? { env: runOptions.env } : {}),
      ...(runOptions?.cwd ? { cwd: runOptions.cwd } : {}),
    };
    if (!onChunk) return start(base);
    const redactors = { stdout: new LineRedactor(secrets), stderr: new LineRedactor(secrets) };
    const send = (stream: 'stdout' | 'stderr', text: string) => {
      if (text !== '') onChunk(stream, text);
    };
    return start({ ...base, onChunk: (stream, data) => send(stream, redactors[stream].push(data)) }).finally(() => {
      send('stdout', redactors.stdout.flush());
      send('stderr', redactors.stderr.flush());
    });
  };
  const left = () => Math.max(1, deadline - Date.now());
  const ctx: ActionContext = {
    config,
    signal: options.signal,
    deadline,
    run: (argv, runOptions) => streamed((o) => runArgv(argv, o), runOptions, options.signal, left()),
    pipe: (from, to, runOptions) => streamed((o) => runPipeline(from, to, o), runOptions, options.signal, left()),
    cleanup: (argv, runOptions) =>
      streamed((o) => runArgv(argv, o), runOptions, new AbortController().signal, config.cleanupTimeoutMs),
    // What an action emits itself is whole text, redacted as such.
    emit: (stream, data) => onChunk?.(stream, redactSecrets(data, secrets)),
  };
  let outcome: ActionOutcome;
  try {
    outcome = await (HANDLERS[checked.action] as ActionHandler<ActionName>)(checked.params as never, ctx);
  } catch (error) {
    outcome = {
      ok: false,
      exitCode: 1,
      error: { code: ErrorCode.Internal, message: `${checked.action} crashed: ${(error as Error).message}` },
    };
  }
  if (Date.now() >= deadline && !outcome.ok) {
    // Whatever the handler concluded from a killed command, the truth is: we ran out of time.
    const message =
      `${checked.action} did not finish within ${Math.round(timeoutMs / 1000)}s: ` +
      `${outcome.error?.message ?? 'no result'}`;
    outcome = { ...outcome, timedOut: true, error: { code: ErrorCode.StepTimeout, message } };
  }
  return redactDeep({ ...outcome, durationMs: Math.round(performance.now() - started) }, secrets);
}
