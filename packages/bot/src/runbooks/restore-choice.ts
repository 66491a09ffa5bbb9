import type { Json, JsonObject, Step } from '../domain/index.js';
import type { Hosts } from '../hosts/fleet-hosts.js';

interface ListedDump {
  file: string;
  sha256: string | null;
  takenAt: string;
  bytes: number;
}

/** The tables an earlier `\dt` check (db.tables) found missing in this run, if it found any. */
export function missingTables(steps: readonly Step[], before: Step): string[] {
  const checks = steps.filter((s) => s.action === 'db.tables' && s.idx < before.idx && s.result !== null);
  const last = checks.at(-1);
  const data = (last?.result as { data?: { missing?: Json } } | null)?.data;
  const missing = data?.missing;
  return Array.isArray(missing) ? missing.filter((t): t is string => typeof t === 'string') : [];
}

/** A restore step as its approver will see it: the params to bind and what the dump rewinds. */
export type RestoreChoice =
  | { kind: 'bind'; params: JsonObject; preview: JsonObject }
  /** The request names something the dump cannot give (a table it lacks): nothing is asked, nothing runs. */
  | { kind: 'refuse'; why: string };

/**
 * A restore step's params, decided when its approval is asked for, not when it runs: the file the
 * request named, or else the newest dump on the host now, with its SHA-256 and, when the `\dt`
 * check named missing tables, only those tables. The approval binds these params, so a dump that
 * lands between the request and the approval changes nothing, and the agent refuses the file if its
 * hash is no longer the one approved. Beside them, `db.rewind`'s answer is kept for the approval
 * message: the file's size, hash and time, per table the rows newer than it, the tables missing now.
 * Undefined when the host lists no hashed dump and none was named (the step runs as written).
 */
export async function chooseRestore(
  hosts: Hosts,
  step: Step,
  steps: readonly Step[],
): Promise<RestoreChoice | undefined> {
  if (step.action !== 'db.restore') return undefined;
  let file = typeof step.params.file === 'string' ? step.params.file : undefined;
  let sha256 = typeof step.params.sha256 === 'string' ? step.params.sha256 : undefined;
  if (file === undefined) {
    const listed = await hosts.run(step.host, { action: 'backup.list', params: {} }, { deadlineMs: 30_000 });
    if (!listed.ok) return undefined;
    const newest = ((listed.data as { backups?: ListedDump[] } | undefined)?.backups ?? []).find(
      (d) => d.sha256 !== null,
    );
    if (newest === undefined) return undefined;
    file = newest.file;
    sha256 = newest.sha256 as string;
  }
  const asked = Array.isArray(step.params.tables)
    ? step.params.tables.filter((t): t is string => typeof t === 'string')
    : [];
  const missing = missingTables(steps, step);
  const tables = asked.length > 0 ? asked : missing;
  const rewind = await hosts.run(
    step.host,
    { action: 'db.rewind', params: { file, ...(sha256 === undefined ? {} : { sha256 }) } },
    { deadlineMs: 5 * 60_000 },
  );
  const seen = rewind.ok ? (rewind.data as RewindData) : undefined;
  if (seen !== undefined && asked.length > 0) {
    const absent = asked.filter((t) => !seen.tables.includes(t));
    if (absent.length > 0)
      return {
        kind: 'refuse',
        why: `${file} has no table ${absent.join(', ')}; it holds: ${seen.tables.join(', ')}. Nothing was restored`,
      };
  }
  const bound = seen?.sha256 ?? sha256;
  const params: JsonObject = {
    ...step.params,
    file,
    ...(bound === undefined ? {} : { sha256: bound }),
    ...(tables.length > 0 ? { tables } : {}),
  };
  const preview: JsonObject =
    seen !== undefined
      ? (JSON.parse(JSON.stringify(seen)) as JsonObject)
      : { file, error: rewind.error?.message ?? `db.rewind exit ${rewind.exitCode}` };
  return { kind: 'bind', params, preview };
}

/** What db.rewind answers (the agent's actions/db-rewind.ts). */
export interface RewindData {
  file: string;
  bytes: number;
  sha256: string;
  takenAt: string;
  fetched?: boolean;
  tables: string[];
  missingNow: string[];
  rewind: Array<{ table: string; column: string | null; newer: number | null }>;
  notInDump: string[];
}

/** `db_2026-11-26_031500.sql` → `2026-11-26`: what the approver types to say which dump they approve. */
export function dateOfDump(file: string): string | undefined {
  return /_(\d{4}-\d{2}-\d{2})(?:_\d{6})?\.sql$/.exec(file)?.[1];
}
