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

/**
 * A restore step's params, decided when its approval is asked for, not when it runs: the newest
 * dump on the host now (its file name and SHA-256) and, when the `\dt` check named missing tables,
 * only those tables. The approval binds these params, so a dump that lands between the request and
 * the approval changes nothing, and the agent refuses the file if its hash is no longer the one
 * approved. Undefined when the step already names its file or the host lists no hashed dump (then
 * the step runs as it was written).
 */
export async function chooseRestore(hosts: Hosts, step: Step, steps: readonly Step[]): Promise<JsonObject | undefined> {
  if (step.action !== 'db.restore' || typeof step.params.file === 'string') return undefined;
  const listed = await hosts.run(step.host, { action: 'backup.list', params: {} }, { deadlineMs: 30_000 });
  if (!listed.ok) return undefined;
  const dumps = ((listed.data as { backups?: ListedDump[] } | undefined)?.backups ?? []).filter(
    (d) => d.sha256 !== null,
  );
  const newest = dumps[0];
  if (newest === undefined) return undefined;
  const tables = missingTables(steps, step);
  return {
    ...step.params,
    file: newest.file,
    sha256: newest.sha256 as string,
    ...(tables.length > 0 && step.params.tables === undefined ? { tables } : {}),
  };
}

/** `db_2026-11-26_031500.sql` → `2026-11-26`: what the approver types to say which dump they approve. */
export function dateOfDump(file: string): string | undefined {
  return /_(\d{4}-\d{2}-\d{2})(?:_\d{6})?\.sql$/.exec(file)?.[1];
}
