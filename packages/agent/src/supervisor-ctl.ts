import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { supervisordEndpoint } from './supervisor-endpoint.js';
import { exitStatusOfFault, Fault, type RpcAnswer, supervisordCall } from './supervisor-rpc.js';
import { parseSupervisorStatus, type ProgramStatus, statusFromProcessInfo } from './supervisor-status.js';
import { ErrorCode } from '@recio/protocol/errors';

/**
 * Asking supervisord: XML-RPC on its unix socket when there is one (no Python started per call),
 * else the `supervisorctl` argv. Both give the same answers (test/integration/supervisor-rpc.test.ts
 * runs every action both ways against a real supervisord).
 */

/** One XML-RPC call within the action's deadline; undefined when the argv path must answer instead. */
async function call(ctx: ActionContext, method: string, params: unknown[]): Promise<RpcAnswer | undefined> {
  const endpoint = supervisordEndpoint(ctx.config);
  if (endpoint === undefined) return undefined;
  const answer = await supervisordCall(endpoint, method, params, {
    signal: ctx.signal,
    timeoutMs: ctx.deadline - Date.now(),
  });
  // Nothing reached supervisord: the argv is the fallback (and says the same thing if it fails too).
  return answer.kind === 'unreachable' ? undefined : answer;
}

/** A call that did not come back with an answer, as the argv path reports a run that did not finish. */
function failedCall(answer: Extract<RpcAnswer, { kind: 'timeout' | 'broken' }>, what: string): ActionOutcome {
  if (answer.kind === 'timeout')
    return {
      ...failed(ErrorCode.StepTimeout, `${what}: timed out (${answer.message})`, undefined, 124),
      timedOut: true,
    };
  return failed(ErrorCode.ActionFailed, `${what}: ${answer.message}`);
}

/** `supervisorctl status [program]`, parsed; an error outcome when supervisord could not be asked. */
export async function readStatus(
  ctx: ActionContext,
  service?: string,
): Promise<{ programs: ProgramStatus[]; error?: ActionOutcome }> {
  const answer = await call(ctx, 'supervisor.getAllProcessInfo', []);
  if (answer !== undefined) {
    const status = statusOverRpc(answer, service);
    // The lines supervisorctl would have printed, streamed as its output would be.
    if (status.error === undefined) ctx.emit('stdout', statusLines(status.programs));
    else if (service !== undefined && status.error.exitCode === 4)
      ctx.emit('stdout', `${service}: ERROR (no such process)\n`);
    return status;
  }
  const run = await ctx.run([...ctx.config.supervisorctl, 'status', ...(service === undefined ? [] : [service])]);
  const { programs, unparsed } = parseSupervisorStatus(run.stdout);
  // supervisorctl exits 3 when some program is not RUNNING: that is still an answer.
  if (
    run.timedOut ||
    run.startError !== undefined ||
    (programs.length === 0 && unparsed.length > 0) ||
    (programs.length === 0 && run.exitCode !== 0)
  ) {
    return {
      programs,
      error: failedRun({ ...run, stderr: run.stderr || unparsed.join('\n') }, 'supervisorctl status'),
    };
  }
  return { programs };
}

function statusOverRpc(answer: RpcAnswer, service?: string): { programs: ProgramStatus[]; error?: ActionOutcome } {
  const what = 'supervisord getAllProcessInfo';
  if (answer.kind === 'timeout' || answer.kind === 'broken') return { programs: [], error: failedCall(answer, what) };
  if (answer.kind === 'fault') return { programs: [], error: failed(ErrorCode.ActionFailed, faultText(what, answer)) };
  const status = statusFromProcessInfo(answer.kind === 'value' ? answer.value : undefined);
  if (status === undefined)
    return { programs: [], error: failed(ErrorCode.ActionFailed, `${what}: not a list of processes`) };
  if (service === undefined) return { programs: status.programs };
  const programs = status.programs.filter((p) => p.name === service || p.name.startsWith(`${service}:`));
  // supervisorctl's own words and exit code for a name it does not know, so both paths read alike.
  if (programs.length === 0)
    return {
      programs,
      error: failed(
        ErrorCode.ActionFailed,
        `supervisorctl status: exit 4: ${service}: ERROR (no such process)`,
        undefined,
        4,
      ),
    };
  return { programs };
}

/** supervisorctl's status lines (_show_statuses): names padded to the longest (at least 30) + 3. */
function statusLines(programs: ProgramStatus[]): string {
  const width = Math.max(30, ...programs.map((p) => p.name.length)) + 3;
  return programs.map((p) => `${p.name.padEnd(width)}${p.state.padEnd(10)}${p.description}\n`).join('');
}

// supervisorctl's words for a start/stop fault (_startresult, _signalresult).
const FAULT_WORDS: Record<number, string> = {
  [Fault.BadName]: 'no such process',
  [Fault.NoFile]: 'no such file',
  21: 'file is not executable',
  [Fault.AbnormalTermination]: 'abnormal termination',
  [Fault.SpawnError]: 'spawn error',
  [Fault.AlreadyStarted]: 'already started',
  [Fault.NotRunning]: 'not running',
};

const faultText = (what: string, fault: Extract<RpcAnswer, { kind: 'fault' }>) =>
  `${what}: ${fault.faultString || `fault ${fault.faultCode}`}`;

/**
 * `supervisorctl start|stop|restart <program>`: whether the command went through. Its exit code is
 * not the answer (supervisorctl 3.x exits 0 on failure); the caller polls the postcondition. A
 * supervisord fault (already started, spawn error) is an answer too. Only a call that never reached
 * supervisord falls back to the argv; one that may have been delivered is never sent again.
 */
export async function control(
  ctx: ActionContext,
  verb: 'start' | 'stop' | 'restart',
  service: string,
): Promise<{ exitCode: number; error?: ActionOutcome }> {
  const argv = async (step: 'start' | 'stop' | 'restart') => {
    const run = await ctx.run([...ctx.config.supervisorctl, step, service]);
    if (run.timedOut || run.startError !== undefined)
      return { exitCode: run.exitCode, error: failedRun(run, `supervisorctl ${step} ${service}`) };
    return { exitCode: run.exitCode };
  };
  // supervisorctl restart is stop then start (the stop's NOT_RUNNING is fine), each waiting, as here.
  const steps = verb === 'restart' ? (['stop', 'start'] as const) : ([verb] as const);
  let exitCode = 0;
  for (const [index, step] of steps.entries()) {
    const method = step === 'stop' ? 'supervisor.stopProcess' : 'supervisor.startProcess';
    const answer = await call(ctx, method, [service, true]);
    // Not delivered: the argv does what is left (a restart whose stop was not sent is a restart).
    if (answer === undefined) return argv(index === 0 ? verb : step);
    if (answer.kind === 'timeout' || answer.kind === 'broken')
      return { exitCode: 1, error: failedCall(answer, `supervisord ${method} ${service}`) };
    ctx.emit(
      'stdout',
      answer.kind === 'fault'
        ? `${service}: ERROR (${FAULT_WORDS[answer.faultCode] ?? answer.faultString})\n`
        : `${service}: ${step === 'stop' ? 'stopped' : 'started'}\n`,
    );
    if (answer.kind === 'fault') {
      const status = exitStatusOfFault(answer.faultCode, step === 'stop' ? Fault.NotRunning : Fault.AlreadyStarted);
      if (status !== 0) exitCode = status;
    }
  }
  return { exitCode };
}

/** The last lines a program wrote (stdout then stderr), so an operator sees why it died. */
export async function tailLines(ctx: ActionContext, service: string, lines: number): Promise<string[]> {
  // supervisorctl tail counts bytes, not lines: ask for enough bytes, then keep the last lines.
  const bytes = Math.min(lines * 400, 1024 * 1024);
  const out: string[] = [];
  for (const channel of ['stdout', 'stderr'] as const) {
    // What `supervisorctl tail -N program channel` calls: the last N bytes (offset -N, length 0).
    const method = channel === 'stdout' ? 'supervisor.readProcessStdoutLog' : 'supervisor.readProcessStderrLog';
    const answer = await call(ctx, method, [service, -bytes, 0]);
    if (answer !== undefined) {
      if (answer.kind === 'value' && typeof answer.value === 'string') {
        ctx.emit('stdout', answer.value);
        out.push(...answer.value.split('\n').filter((l) => l !== ''));
      }
      continue;
    }
    const run = await ctx.run([...ctx.config.supervisorctl, 'tail', `-${bytes}`, service, channel]);
    if (run.exitCode !== 0) continue;
    const got = run.stdout.split('\n');
    // A full byte window starts mid-line: that first piece may be a secret without its name
    // (`ORD=hunter2`), which no redaction rule could recognise. It is dropped, not shown.
    if (Buffer.byteLength(run.stdout) >= bytes) got.shift();
    out.push(...got.filter((l) => l !== ''));
  }
  return out.slice(-lines);
}
