import { TableName } from '@recio/protocol/actions';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';
import { probeQuery } from './psql-session.js';

/** One table a restore would rewind: how many of its rows are newer than the dump, by which column. */
export interface TableRewind {
  table: string;
  /** The timestamp column that says when a row was written; null when the table has none. */
  column: string | null;
  /** Rows with `column` after the dump was taken; null when there is no such column to tell. */
  newer: number | null;
}

/** `; Archive created at 2026-12-03 07:14:43 UTC` in `pg_restore --list`'s header. */
const CREATED = /^;\s+Archive created at (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (?:UTC|GMT)\s*$/m;

/** When pg_dump wrote the archive, from its own header (UTC only: another zone's abbreviation is not guessed). */
export function archiveCreatedAt(listing: string): Date | undefined {
  const m = CREATED.exec(listing);
  if (m === null) return undefined;
  const at = new Date(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

// A column whose name says when the row was last written beats one that says when it was made,
// which beats any other timestamp (the first by position).
const PREFERENCE = `CASE WHEN a.attname ~ '^(updated|modified|changed)(_at|_on|_ts)?$' THEN 0
  WHEN a.attname ~ '^(created|inserted|recorded|written)(_at|_on|_ts)?$' THEN 1
  WHEN a.attname IN ('ts', 'timestamp', 'time', 'at') THEN 2 ELSE 3 END`;

/**
 * The query counting, per table, the rows newer than `since`. The tables are the caller's list,
 * each checked against TableName (the dump's own table names); the columns come from the catalogue
 * and are quoted by the server's format('%I'); `since` is a number. Nothing else enters the SQL.
 */
export function rewindQuery(tables: readonly string[], since: Date): string {
  const names = tables.filter((t) => TableName.safeParse(t).success);
  const list = names.length === 0 ? 'NULL' : names.map((t) => `'${t}'`).join(', ');
  const epoch = (since.getTime() / 1000).toFixed(3);
  return `WITH cols AS (
  SELECT DISTINCT ON (c.oid) n.nspname, c.relname, a.attname
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public' AND c.relname IN (${list})
    AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
  ORDER BY c.oid, ${PREFERENCE}, a.attnum
)
SELECT relname, attname, (xpath('/row/c/text()', query_to_xml(
  format('SELECT count(*) AS c FROM %I.%I WHERE %I > to_timestamp(%s)', nspname, relname, attname, '${epoch}'),
  false, true, '')))[1]::text
FROM cols ORDER BY 1`;
}

/** Per table of `tables` that exists now: the rows newer than `since`, where a timestamp column tells. */
export async function countNewerRows(
  ctx: ActionContext,
  tables: readonly string[],
  since: Date,
): Promise<TableRewind[] | ActionOutcome> {
  const run = await probeQuery(ctx, rewindQuery(tables, since), '\t');
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'psql (rows newer than the dump)');
  const found = new Map<string, TableRewind>();
  for (const line of run.stdout.split('\n')) {
    const [table, column, count] = line.split('\t');
    if (table && column && count !== undefined) found.set(table, { table, column, newer: Number(count) });
  }
  return tables.map((table) => found.get(table) ?? { table, column: null, newer: null });
}
