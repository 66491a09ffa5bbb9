import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';
import type { TocEntry } from './pg-toc.js';

/**
 * Which entries of a dump's table of contents belong to some tables, for `pg_restore --use-list`.
 * `pg_restore -t` alone brings a table and its rows back without its indexes, constraints,
 * sequence or defaults; a trading table without its primary key and `nextval` default is not
 * restored. The listing names constraints, defaults and triggers after their table (`trades
 * trades_pkey`), but an index or a sequence only by its own name, so those are matched on the SQL
 * pg_restore writes for them (`CREATE INDEX … ON public.trades`, `OWNED BY public.trades.id`).
 */

/** One object's SQL in a schema-only script, keyed as the listing keys it: `INDEX|public|trades_pkey`. */
export function scriptBodies(script: string): Map<string, string> {
  const bodies = new Map<string, string>();
  const header = /^-- Name: (.*); Type: (.*); Schema: (.*); Owner: .*$/;
  let key: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (key !== undefined) bodies.set(key, body.join('\n'));
  };
  for (const line of script.split('\n')) {
    const m = header.exec(line);
    if (m !== null) {
      flush();
      key = `${m[2]}|${m[3]}|${m[1]}`;
      body = [];
    } else if (key !== undefined) {
      body.push(line);
    }
  }
  flush();
  return bodies;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Kinds whose tag is `<table> <name>`. */
const TABLE_TAGGED = new Set([
  'DEFAULT',
  'CONSTRAINT',
  'FK CONSTRAINT',
  'CHECK CONSTRAINT',
  'TRIGGER',
  'RULE',
  'POLICY',
]);

/** The entries that make up `tables` (each `name` in `public`, or `schema.name`), in listing order. */
export function entriesForTables(
  toc: readonly TocEntry[],
  bodies: ReadonlyMap<string, string>,
  tables: readonly string[],
): TocEntry[] {
  const wanted = tables.map((t) => (t.includes('.') ? t.split('.', 2) : ['public', t]) as [string, string]);
  const bodyOf = (e: TocEntry) => bodies.get(`${e.desc}|${e.schema}|${e.tag}`) ?? '';
  const sequences = new Set<string>();
  for (const e of toc) {
    if (e.desc !== 'SEQUENCE OWNED BY' && e.desc !== 'SEQUENCE') continue;
    for (const [schema, table] of wanted) {
      const owned = new RegExp(`OWNED BY ${esc(schema)}\\.${esc(table)}\\.`).test(bodyOf(e));
      const identity = new RegExp(`ALTER TABLE (?:ONLY )?${esc(schema)}\\.${esc(table)} ALTER COLUMN`).test(bodyOf(e));
      if (owned || identity) sequences.add(`${e.schema}|${e.tag}`);
    }
  }
  return toc.filter((e) =>
    wanted.some(([schema, table]) => {
      if (e.schema !== schema) return false;
      if (e.desc === 'TABLE' || e.desc === 'TABLE DATA') return e.tag === table;
      if (TABLE_TAGGED.has(e.desc)) return e.tag.startsWith(`${table} `);
      if (e.desc === 'INDEX') return new RegExp(` ON (?:ONLY )?${esc(schema)}\\.${esc(table)} `).test(bodyOf(e));
      if (e.desc.startsWith('SEQUENCE')) return sequences.has(`${e.schema}|${e.tag}`);
      return false;
    }),
  );
}

/** The dump's schema as SQL (no database touched), for the entries that only the SQL ties to a table. */
export async function schemaScript(ctx: ActionContext, path: string): Promise<string | ActionOutcome> {
  // Only the program: with --file pg_restore writes a script and must not be given a --dbname.
  const program = ctx.config.db.pgRestore[0] ?? 'pg_restore';
  const run = await ctx.run([program, '--schema-only', '--file=-', path], { env: ctx.config.db.env });
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pg_restore --schema-only');
  return run.stdout;
}
