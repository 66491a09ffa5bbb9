import type { ActionHandler } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { probeQuery } from '../psql-session.js';
import { ErrorCode } from '@recio/protocol/errors';

/**
 * The checklist's "market data flowing in" and "BTC price feed updating": how many seconds old
 * the newest row of a feed's table is. The table and column come from the host's config (names
 * checked as identifiers there), never from the request.
 */
export const dbFreshness: ActionHandler<'db.freshness'> = async ({ feed }, ctx) => {
  const source = ctx.config.db.feeds[feed];
  if (source === undefined) {
    const known = Object.keys(ctx.config.db.feeds);
    return failed(
      ErrorCode.UnknownFeed,
      `no feed "${feed}" in this host's agent config (known: ${known.join(', ') || 'none'})`,
      undefined,
      2,
    );
  }
  const sql =
    `SELECT EXTRACT(EPOCH FROM (now() - max("${source.column}")))::bigint, ` +
    `max("${source.column}") FROM "${source.table}"`;
  const run = await probeQuery(ctx, sql, '|');
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, `psql (newest ${source.table}.${source.column})`);
  const [age = '', newest = ''] = run.stdout.trim().split('|');
  return succeeded({
    feed,
    table: source.table,
    ageSeconds: age === '' ? null : Math.max(0, Number(age)),
    newest: newest === '' ? null : newest,
  });
};
