import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';
import { probeQuery } from './psql-session.js';

const LIST_TABLES =
  "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1";

/**
 * Exact row counts of every user table, in one statement: query_to_xml runs a count(*) per table
 * server-side, so the agent does not build SQL from table names. Tables outside `public` are
 * named `schema.table`.
 */
const COUNT_ROWS = `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END,
  (xpath('/row/c/text()',
    query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
ORDER BY 1`;

/** The plan's `\dt`: the user tables the database has (by name, any schema), on the session's psql. */
export async function listTables(ctx: ActionContext): Promise<string[] | ActionOutcome> {
  const run = await probeQuery(ctx, LIST_TABLES);
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'psql (list tables)');
  return run.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export async function countRows(
  ctx: ActionContext,
  psql: readonly string[],
): Promise<Map<string, number> | ActionOutcome> {
  const run = await ctx.run([...psql, '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', COUNT_ROWS], {
    env: ctx.config.db.env,
  });
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'psql (count rows)');
  const counts = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    const [name, count] = line.split('\t');
    if (name && count !== undefined) counts.set(name, Number(count));
  }
  return counts;
}
