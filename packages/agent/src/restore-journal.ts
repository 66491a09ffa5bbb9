import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';
import { createPrivateFile } from './private-files.js';
import { probeQuery } from './psql-session.js';

/**
 * What a restore in flight leaves on disk, so that an agent killed mid pg_restore can be explained
 * afterwards (db.restore.outcome). Written before pg_restore starts, removed when it ends; one at
 * a time per backups dir.
 */
export interface RestoreJournal {
  file: string;
  sha256: string;
  scope: 'full' | 'tables';
  /** The tables the restore drops and recreates: its commit gives each of them a new OID. */
  tables: string[];
  safetyDump: string | null;
  agentPid: number;
  startedAt: string;
  /** Each of `tables`' OID before the restore (null: the table was missing). */
  oids: Record<string, number | null>;
}

export const JOURNAL_NAME = '.restore-running.json';

// No identifier comes from outside: the catalogue is read whole and filtered here.
const TABLE_OIDS = `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END, c.oid
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'`;

/** Every user table's OID now. A table dropped and recreated (pg_restore --clean) gets a new one. */
export async function tableOids(ctx: ActionContext): Promise<Map<string, number> | ActionOutcome> {
  const run = await probeQuery(ctx, TABLE_OIDS, '\t');
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'psql (table OIDs)');
  const oids = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    const [name, oid] = line.split('\t');
    if (name && oid) oids.set(name.trim(), Number(oid));
  }
  return oids;
}

/** pg_restore sessions still connected to this database (application_name is pg_restore's own). */
export async function restoreSessions(ctx: ActionContext): Promise<number | ActionOutcome> {
  const sql =
    "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE application_name = 'pg_restore' " +
    'AND datname = current_database()';
  const run = await probeQuery(ctx, sql);
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'psql (pg_restore sessions)');
  return Number(run.stdout.trim());
}

export async function writeJournal(dir: string, journal: RestoreJournal): Promise<void> {
  const path = join(dir, JOURNAL_NAME);
  await rm(path, { force: true });
  await createPrivateFile(path);
  await writeFile(path, `${JSON.stringify(journal)}\n`);
}

export async function readJournal(dir: string): Promise<RestoreJournal | undefined> {
  const text = await readFile(join(dir, JOURNAL_NAME), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : (JSON.parse(text) as RestoreJournal);
}

export const removeJournal = (dir: string) => rm(join(dir, JOURNAL_NAME), { force: true });

/** Whether the process that wrote the journal is still alive (signal 0 only asks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Did the cut-off restore commit? pg_restore --clean drops and recreates every table it restores
 * inside its one transaction, so after a commit each of them has a new OID (or exists where it was
 * missing); after a rollback every one has the OID it had before.
 */
export function committed(journal: RestoreJournal, now: Map<string, number>): boolean {
  return journal.tables.some((t) => (now.get(t) ?? null) !== journal.oids[t]);
}
