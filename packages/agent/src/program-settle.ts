import type { ActionContext } from './action-context.js';
import { pollUntil } from './action-context.js';
import { readStatus } from './supervisor-ctl.js';
import type { ProgramStatus } from './supervisor-status.js';

export interface SettleReport {
  up: boolean;
  /** The managed programs as last seen; one that supervisord does not know is UNKNOWN. */
  programs: ProgramStatus[];
  /** Why not, in a line: `trade_executor FATAL (Exited too quickly …)`. */
  reason?: string;
}

const absent = (name: string): ProgramStatus => ({
  name,
  state: 'UNKNOWN',
  pid: null,
  uptime: null,
  uptimeSeconds: null,
  description: 'not a program supervisord knows',
});

async function snapshot(ctx: ActionContext, names: readonly string[]): Promise<ProgramStatus[] | undefined> {
  const { programs, error } = await readStatus(ctx);
  if (error !== undefined) return undefined;
  return names.map((name) => programs.find((p) => p.name === name) ?? absent(name));
}

const describe = (p: ProgramStatus) => `${p.name} ${p.state}${p.description ? ` (${p.description})` : ''}`;

/**
 * After `supervisorctl restart all`: every named program RUNNING with a new pid (supervisorctl's
 * exit code says nothing), and then still RUNNING with the same pid for `settleSeconds` — a release
 * that dies a few seconds after start passed supervisord's startsecs but is not up. Gives up early
 * on FATAL, which supervisord never leaves by itself.
 */
export async function waitUntilSettled(
  ctx: ActionContext,
  names: readonly string[],
  pidsBefore: ReadonlyMap<string, number | null>,
  waitSeconds: number,
  settleSeconds: number,
): Promise<SettleReport> {
  let last: ProgramStatus[] = names.map(absent);
  const started = await pollUntil(
    ctx,
    Date.now() + waitSeconds * 1000,
    async () => {
      last = (await snapshot(ctx, names)) ?? last;
      if (last.some((p) => p.state === 'FATAL')) return last;
      const fresh = (p: ProgramStatus) => p.state === 'RUNNING' && p.pid !== null && p.pid !== pidsBefore.get(p.name);
      return last.every(fresh) ? last : undefined;
    },
    500,
  );
  if (started === undefined || started.some((p) => p.state !== 'RUNNING')) {
    const down = last.filter((p) => p.state !== 'RUNNING' || p.pid === pidsBefore.get(p.name));
    const why = started === undefined ? ` within ${waitSeconds}s` : '';
    return { up: false, programs: last, reason: `not RUNNING${why}: ${down.map(describe).join(', ')}` };
  }
  const pids = new Map(started.map((p) => [p.name, p.pid]));
  const settleUntil = Date.now() + settleSeconds * 1000;
  const broke = await pollUntil(
    ctx,
    settleUntil,
    async () => {
      last = (await snapshot(ctx, names)) ?? last;
      return last.some((p) => p.state !== 'RUNNING' || p.pid !== pids.get(p.name)) ? last : undefined;
    },
    500,
  );
  if (broke !== undefined) {
    const down = broke.filter((p) => p.state !== 'RUNNING' || p.pid !== pids.get(p.name));
    return {
      up: false,
      programs: broke,
      reason: `did not stay up for ${settleSeconds}s: ${down.map(describe).join(', ')}`,
    };
  }
  // pollUntil stops one interval short of the nearer of the two deadlines: the request's may be it.
  if (settleUntil > ctx.deadline || ctx.signal.aborted)
    return { up: false, programs: last, reason: `ran out of time during the ${settleSeconds}s settle wait` };
  return { up: true, programs: last };
}
