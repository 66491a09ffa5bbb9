import { open } from 'node:fs/promises';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';

/** pg_dump's custom format starts with these bytes; a plain SQL file (which psql would run) does not. */
export const CUSTOM_FORMAT_MAGIC = 'PGDMP';

export async function isCustomFormat(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CUSTOM_FORMAT_MAGIC.length);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.toString('latin1', 0, bytesRead) === CUSTOM_FORMAT_MAGIC;
  } finally {
    await handle.close();
  }
}

/** One line of `pg_restore --list`: `3344; 0 16389 TABLE DATA public trades postgres`. */
export interface TocEntry {
  /** The line as pg_restore printed it, for a `--use-list` file. */
  line: string;
  id: number;
  desc: string;
  schema: string;
  /** The object's tag: a table's name, or `table constraint` for constraints, defaults, triggers. */
  tag: string;
  owner: string;
}

// Descriptions of more than one word, longest first, so `SEQUENCE OWNED BY` is not read as `SEQUENCE`.
const MULTI_WORD = [
  'MATERIALIZED VIEW DATA',
  'SEQUENCE OWNED BY',
  'MATERIALIZED VIEW',
  'FOREIGN TABLE',
  'FK CONSTRAINT',
  'SEQUENCE SET',
  'TABLE DATA',
  'TABLE ATTACH',
  'INDEX ATTACH',
  'DEFAULT ACL',
  'ROW SECURITY',
  'LARGE OBJECT',
  'BLOB DATA',
  'EVENT TRIGGER',
  'CHECK CONSTRAINT',
];
const LINE = /^(\d+); \d+ \d+ (.+)$/;

export function parseToc(listing: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const rest = m[2]!;
    const desc = MULTI_WORD.find((d) => rest.startsWith(`${d} `)) ?? rest.split(' ')[0]!;
    const words = rest.slice(desc.length + 1).split(' ');
    const [schema = '-', ...others] = words;
    const owner = others.length > 1 ? others.pop()! : '';
    entries.push({ line, id: Number(m[1]), desc, schema, tag: others.join(' '), owner });
  }
  return entries;
}

/** The archive's table of contents (`pg_restore --list`); a file that is not an archive fails here. */
export async function readToc(ctx: ActionContext, path: string): Promise<TocEntry[] | ActionOutcome> {
  const run = await ctx.run([...ctx.config.db.pgRestore, '--list', path], { env: ctx.config.db.env });
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'pg_restore --list');
  return parseToc(run.stdout);
}

/** The tables the archive creates, by name (as `\dt` lists them, any schema): what a restore must leave. */
export function tablesOf(toc: readonly TocEntry[]): string[] {
  return [...new Set(toc.filter((e) => e.desc === 'TABLE').map((e) => e.tag))].sort();
}

/**
 * pg_restore's own words for why it stopped: its `error:` line and the server's `ERROR:`, not the
 * statement it echoes after them (which is what the last lines of stderr hold).
 */
export function restoreErrorOf(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => /\berror:|ERROR:/.test(l));
  return lines.length === 0 ? undefined : lines.slice(0, 2).join(' / ').trim();
}
