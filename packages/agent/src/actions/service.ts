import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, pollUntil, succeeded } from '../action-context.js';
import { control, readStatus, tailLines } from '../supervisor-ctl.js';
import type { ProgramStatus } from '../supervisor-status.js';
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

/**
 * Starts or restarts, then holds the result to the postcondition: the program RUNNING with a new
 * pid. A program that lands in FATAL/BACKOFF comes back with its log tail so the operator sees why.
 */
async function bringUp(
  ctx: ActionContext,
  service: string,
  waitSeconds: number,
  verb: 'start' | 'restart',
): Promise<ActionOutcome> {
  const refused = unmanaged(ctx, service);
  if (refused) return refused;
  const before = await readOne(ctx, service);
  if (!isProgram(before)) return before;
  if (verb === 'start' && before.state === 'RUNNING') {
    return succeeded({ service, state: before.state, pid: before.pid, previousPid: before.pid, alreadyRunning: true });
  }
  const command = await control(ctx, verb, service);
  if (command.error !== undefined) return command.error;
  const deadline = Date.now() + waitSeconds * 1000;
  let last: ProgramStatus | ActionOutcome = before;
  const settled = await pollUntil(ctx, deadline, async () => {
    last = await readOne(ctx, service);
    if (!isProgram(last)) return last;
    if (last.state === 'RUNNING' && last.pid !== null && last.pid !== before.pid) return last;
    if (last.state === 'FATAL') return last;
    return undefined;
  });
  const final = settled ?? last;
  if (!isProgram(final)) return final;
  const data = { service, state: final.state, pid: final.pid, previousPid: before.pid };
  if (final.state === 'RUNNING' && final.pid !== before.pid) return succeeded(data);
  const tail = await tailLines(ctx, service, 40);
  const why = settled === undefined ? `still ${final.state} after ${waitSeconds}s` : `went ${final.state}`;
  return {
    ...failed(
      ErrorCode.ActionFailed,
      `${service} ${why}: ${final.description}`,
      { ...data, tail },
      command.exitCode || 1,
    ),
    timedOut: settled === undefined,
  };
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
