import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, pollUntil, succeeded } from '../action-context.js';
import { control, readStatus, tailLines } from '../supervisor-ctl.js';
import type { ProgramState, ProgramStatus } from '../supervisor-status.js';
import { decideBudgetSeconds, programLimits } from '../supervisor-program-config.js';
import { ErrorCode } from '@recio/protocol/errors';

/** Refuses a program the host's admin did not list, before anything runs. */
function unmanaged(ctx: ActionContext, service: string): ActionOutcome | undefined {
  if (ctx.config.services.includes(service)) return undefined;
  return failed(
    ErrorCode.UnknownService,
    `"${service}" is not a service this host's agent may touch (allowed: ${ctx.config.services.join(', ')})`,
    undefined,
    2,
  );
}

async function readOne(ctx: ActionContext, service: string): Promise<ProgramStatus | ActionOutcome> {
  const { programs, error } = await readStatus(ctx, service);
  if (error !== undefined) return error;
  return (
    programs.find((p) => p.name === service) ??
    failed(ErrorCode.UnknownService, `supervisor has no program "${service}"`, undefined, 4)
  );
}

const isProgram = (value: ProgramStatus | ActionOutcome): value is ProgramStatus => 'state' in value;

/** States in which supervisord is still working through its own start retries. */
const DECIDING: ReadonlySet<ProgramState> = new Set(['STARTING', 'BACKOFF']);

/** A failed start or restart, with the program's last log lines so the operator sees why. */
async function notUp(
  ctx: ActionContext,
  service: string,
  message: string,
  data: Record<string, unknown>,
  timedOut: boolean,
): Promise<ActionOutcome> {
  const tail = await tailLines(ctx, service, 40);
  return { ...failed(ErrorCode.ActionFailed, `${service} ${message}`, { ...data, tail }), timedOut };
}

/**
 * Waits while supervisord is still retrying a start (STARTING/BACKOFF) until it decides: RUNNING or
 * FATAL. Stopping it mid-way would not help: supervisord resets its retry count only on RUNNING or
 * FATAL, so a start after a stop in BACKOFF gets only the retries left ("the second click fixes it").
 */
async function untilDecided(
  ctx: ActionContext,
  service: string,
  seconds: number,
): Promise<{ last: ProgramStatus | ActionOutcome; decided: boolean }> {
  let last: ProgramStatus | ActionOutcome = await readOne(ctx, service);
  const decided = await pollUntil(
    ctx,
    Date.now() + seconds * 1000,
    async () => {
      last = await readOne(ctx, service);
      return !isProgram(last) || !DECIDING.has(last.state) ? last : undefined;
    },
    500,
  );
  return { last, decided: decided !== undefined };
}

/**
 * Starts or restarts and holds the result to the postcondition: the program RUNNING with a new pid,
 * still RUNNING with that pid once it has been up `startsecs` past supervisord's own startsecs (a
 * program that dies just after RUNNING is not up), or FATAL, with its log tail. Every wait is
 * derived from the program's supervisord config (startsecs, startretries, stopwaitsecs); the
 * caller's waitSeconds can only lengthen it.
 */
async function bringUp(
  ctx: ActionContext,
  service: string,
  waitSeconds: number,
  verb: 'start' | 'restart',
): Promise<ActionOutcome> {
  const refused = unmanaged(ctx, service);
  if (refused) return refused;
  const first = await readOne(ctx, service);
  if (!isProgram(first)) return first;
  if (verb === 'start' && first.state === 'RUNNING') {
    return succeeded({ service, state: first.state, pid: first.pid, previousPid: first.pid, alreadyRunning: true });
  }
  const limits = programLimits(ctx.config.supervisorctl, service);
  const decideSeconds = decideBudgetSeconds(limits);
  const holdSeconds = Math.max(limits.startsecs, 1);
  const settleSeconds = Math.max(waitSeconds, decideSeconds + holdSeconds);
  const base = {
    service,
    previousPid: first.pid,
    /** The state the program was found in: from STARTING/BACKOFF, supervisord was let decide first. */
    found: first.state,
    limits: { startsecs: limits.startsecs, startretries: limits.startretries, source: limits.source },
  };
  let before: ProgramStatus = first;
  if (DECIDING.has(before.state)) {
    const { last, decided } = await untilDecided(ctx, service, Math.max(waitSeconds, decideSeconds));
    if (!isProgram(last)) return last;
    if (!decided) {
      const why =
        `still ${last.state} after ${Math.max(waitSeconds, decideSeconds)}s, ` +
        `longer than supervisord's own retries allow ` +
        `(startsecs ${limits.startsecs}, startretries ${limits.startretries}, ${limits.source})`;
      return notUp(ctx, service, why, { ...base, state: last.state, pid: last.pid }, true);
    }
    before = last;
    if (verb === 'start' && before.state === 'RUNNING')
      return succeeded({ ...base, state: before.state, pid: before.pid, cameUpByItself: true });
  }
  if (before.state === 'RUNNING' || before.state === 'STOPPING') {
    const stop = await control(ctx, 'stop', service);
    if (stop.error !== undefined) return stop.error;
    // supervisord sends SIGKILL after stopwaitsecs; one tick more for it to notice the exit.
    const stopped = await pollUntil(
      ctx,
      Date.now() + (limits.stopwaitsecs + 2) * 1000,
      async () => {
        const now = await readOne(ctx, service);
        return !isProgram(now) || (now.pid === null && now.state !== 'STOPPING') ? now : undefined;
      },
      250,
    );
    if (stopped === undefined) return failed(ErrorCode.ActionFailed, `${service} did not stop`, base);
    if (!isProgram(stopped)) return stopped;
  }
  const start = await control(ctx, 'start', service);
  // supervisorctl's exit code says nothing reliable (3.x exits 0 on a failed start): the state does.
  if (start.error !== undefined) return start.error;
  let last: ProgramStatus | ActionOutcome = before;
  let upPid: number | null = null;
  const settled = await pollUntil(
    ctx,
    Date.now() + settleSeconds * 1000,
    async () => {
      last = await readOne(ctx, service);
      if (!isProgram(last)) return last;
      if (last.state === 'FATAL') return last;
      const fresh = last.state === 'RUNNING' && last.pid !== null && last.pid !== before.pid;
      if (upPid !== null && (!fresh || last.pid !== upPid)) return last;
      if (!fresh) return undefined;
      upPid = last.pid;
      return (last.uptimeSeconds ?? 0) >= limits.startsecs + holdSeconds ? last : undefined;
    },
    500,
  );
  const final: ProgramStatus | ActionOutcome = settled ?? last;
  if (!isProgram(final)) return final;
  const data = { ...base, state: final.state, pid: final.pid };
  if (settled !== undefined && final.state === 'RUNNING' && final.pid === upPid) return succeeded(data);
  if (settled === undefined)
    return notUp(ctx, service, `still ${final.state} after ${settleSeconds}s: ${final.description}`, data, true);
  if (final.state === 'FATAL') return notUp(ctx, service, `went FATAL: ${final.description}`, data, false);
  return notUp(
    ctx,
    service,
    `was RUNNING (pid ${upPid}) but did not stay up for ${holdSeconds}s: now ${final.state} ${final.description}`,
    data,
    false,
  );
}

export const serviceStatus: ActionHandler<'service.status'> = async ({ service }, ctx) => {
  if (service !== undefined) {
    const refused = unmanaged(ctx, service);
    if (refused) return refused;
  }
  const { programs, error } = await readStatus(ctx, service);
  if (error !== undefined) return error;
  return succeeded({ programs: programs.map((p) => ({ ...p, managed: ctx.config.services.includes(p.name) })) });
};

export const serviceRestart: ActionHandler<'service.restart'> = ({ service, waitSeconds }, ctx) =>
  bringUp(ctx, service, waitSeconds, 'restart');

export const serviceStart: ActionHandler<'service.start'> = ({ service, waitSeconds }, ctx) =>
  bringUp(ctx, service, waitSeconds, 'start');

export const serviceStop: ActionHandler<'service.stop'> = async ({ service }, ctx) => {
  const refused = unmanaged(ctx, service);
  if (refused) return refused;
  const command = await control(ctx, 'stop', service);
  if (command.error !== undefined) return command.error;
  const after = await readOne(ctx, service);
  if (!isProgram(after)) return after;
  const data = { service, state: after.state, pid: after.pid };
  return after.pid === null && after.state !== 'RUNNING'
    ? succeeded(data)
    : failed(ErrorCode.ActionFailed, `${service} is ${after.state} after stop`, data, command.exitCode || 1);
};

export const serviceTail: ActionHandler<'service.tail'> = async ({ service, lines }, ctx) => {
  const refused = unmanaged(ctx, service);
  if (refused) return refused;
  return succeeded({ service, lines: await tailLines(ctx, service, lines) });
};
