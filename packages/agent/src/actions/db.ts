import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, pollUntil, succeeded } from '../action-context.js';
import { listTables } from '../pg-tables.js';
import { probeQuery } from '../psql-session.js';
import { ErrorCode } from '@recio/protocol/errors';

interface DbState {
  active: boolean;
  /** What the status command said (`active`, `inactive`, `failed`, or pg_isready's line). */
  state: string;
  reachable: boolean;
}

async function readDbState(ctx: ActionContext): Promise<DbState> {
  const status = await ctx.run(ctx.config.db.status);
  const state = status.stdout.trim().split('\n')[0] || (status.exitCode === 0 ? 'active' : `exit ${status.exitCode}`);
  const ping = await probeQuery(ctx, 'SELECT 1');
  return {
    active: status.exitCode === 0 && !status.timedOut,
    state,
    reachable: ping.exitCode === 0 && ping.stdout.trim() === '1',
  };
}

/** The service up and answering queries: both, because a started server can still refuse us. */
export const dbStatus: ActionHandler<'db.status'> = async (_params, ctx) => {
  const state = await readDbState(ctx);
  if (state.active && state.reachable) return succeeded(state);
  const why = !state.active
    ? `database service is ${state.state}`
    : 'database service is up but does not answer queries';
  return failed(ErrorCode.DbDown, why, state, 3);
};

export const dbRestart: ActionHandler<'db.restart'> = async ({ waitSeconds }, ctx) => {
  const command = await ctx.run(ctx.config.db.restart);
  // `systemctl try-restart` and friends can exit 0 having done nothing: the postcondition decides.
  if (command.timedOut || command.startError !== undefined || command.exitCode !== 0) {
    return failedRun(command, ctx.config.db.restart.join(' '));
  }
  let last: DbState | undefined;
  const up = await pollUntil(
    ctx,
    Date.now() + waitSeconds * 1000,
    async () => {
      last = await readDbState(ctx);
      return last.active && last.reachable ? last : undefined;
    },
    500,
  );
  if (up !== undefined) return succeeded(up);
  return {
    ...failed(ErrorCode.ActionFailed, `database not answering ${waitSeconds}s after restart`, last, 1),
    timedOut: true,
  };
};

/** The plan's `\dt` check: which expected tables are present and which are missing. */
export const dbTables: ActionHandler<'db.tables'> = async ({ expected }, ctx): Promise<ActionOutcome> => {
  const wanted = expected ?? ctx.config.db.expectedTables;
  if (wanted.length === 0) {
    return failed(
      ErrorCode.ConfigInvalid,
      'no expected table list: set db.expectedTables in the agent config',
      undefined,
      2,
    );
  }
  const checked = await checkTables(ctx, wanted);
  if ('ok' in checked) return { ...checked, data: { expected: wanted } };
  const { missing } = checked;
  return missing.length === 0
    ? succeeded(checked)
    : failed(ErrorCode.TablesMissing, `missing tables: ${missing.join(', ')}`, checked, 1);
};

/** Which of `expected` the database has; shared with db.restore's postcondition. */
export async function checkTables(
  ctx: ActionContext,
  expected: readonly string[],
): Promise<{ expected: string[]; present: string[]; missing: string[] } | ActionOutcome> {
  const present = await listTables(ctx);
  if (!Array.isArray(present)) return present;
  return { expected: [...expected], present, missing: expected.filter((t) => !present.includes(t)) };
}
