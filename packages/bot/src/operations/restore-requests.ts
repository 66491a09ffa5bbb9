import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { FleetView, StepPlan } from '../runbooks/plan.js';
import type { StepInput } from '../store/index.js';
import type { RunRequest } from './run-requests.js';

/** One dump a person can pick to restore from: where it is, when it was taken, how big, tested or not. */
export interface DumpChoice {
  file: string;
  /** `local`: in the backups dir (offsite too, if copied); `offsite`: only there, fetched back before use. */
  where: 'local' | 'offsite';
  takenAt: string;
  bytes: number | null;
  sha256: string | null;
  /** Its last restore test (backup.verify, nightly), when one tested these bytes. */
  tested: { at: string; ok: boolean } | null;
  /** Also in the offsite listing (for a local dump). */
  offsite: boolean;
}

interface Listed {
  backups?: Array<{
    file: string;
    takenAt: string;
    bytes: number;
    sha256: string | null;
    tested?: DumpChoice['tested'];
  }>;
  offsite?: { files?: Array<{ file: string; takenAt: string; bytes?: number | null }>; error?: string };
}

/** The one database host a restore goes to; with several, the person must say which (not guessed). */
export function restoreHost(fleet: FleetView): string {
  const dbs = fleet.withRole('db');
  if (dbs.length === 1) return dbs[0]!;
  if (dbs.length === 0) throw new RecioError(ErrorCode.UnknownHost, 'no host with the db role in the fleet');
  throw new RecioError(ErrorCode.UnknownHost, `several db hosts (${dbs.join(', ')}): restore by hand on the right one`);
}

/** The dumps the db host can restore: local ones (with a recorded hash) and those only offsite, newest first. */
export async function dumpChoices(
  hosts: Pick<Hosts, 'run'>,
  fleet: FleetView,
  traceId: string,
): Promise<{ type: 'choose_dump'; host: string | null; dumps: DumpChoice[]; error?: string }> {
  let host: string;
  try {
    host = restoreHost(fleet);
  } catch (error) {
    return { type: 'choose_dump', host: null, dumps: [], error: (error as Error).message };
  }
  const listed = await hosts.run(host, { action: 'backup.list', params: {} }, { traceId, deadlineMs: 60_000 });
  if (!listed.ok) return { type: 'choose_dump', host, dumps: [], error: listed.error?.message ?? 'backup.list failed' };
  const data = (listed.data ?? {}) as Listed;
  const offsite = data.offsite?.files ?? [];
  const offsiteNames = new Set(offsite.map((f) => f.file));
  const local: DumpChoice[] = (data.backups ?? []).map((b) => ({
    file: b.file,
    where: 'local',
    takenAt: b.takenAt,
    bytes: b.bytes,
    sha256: b.sha256,
    tested: b.tested ?? null,
    offsite: offsiteNames.has(b.file),
  }));
  const localNames = new Set(local.map((d) => d.file));
  const remote: DumpChoice[] = offsite
    .filter((f) => !localNames.has(f.file))
    .map((f) => ({
      file: f.file,
      where: 'offsite',
      takenAt: f.takenAt,
      bytes: f.bytes ?? null,
      sha256: null,
      tested: null,
      offsite: true,
    }));
  const dumps = [...local, ...remote].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
  const error = data.offsite?.error === undefined ? {} : { error: `offsite listing failed: ${data.offsite.error}` };
  return { type: 'choose_dump', host, dumps, ...error };
}

/**
 * `restore <file> [tables…]` as a one-step run on the db host. The step asks a second person; when
 * the approval is asked for, the file's hash and what it rewinds are bound (runbooks/restore-choice.ts).
 */
export function restoreRequest(fleet: FleetView, file: string, tables: readonly string[] | undefined): RunRequest {
  const host = restoreHost(fleet);
  const only = tables !== undefined && tables.length > 0 ? tables : undefined;
  const step: StepInput & { spec: StepPlan } = {
    title: only ? `Restore ${only.join(', ')} from ${file}` : `Restore the whole database from ${file}`,
    host,
    action: 'db.restore',
    params: { file, ...(only ? { tables: [...only] } : {}) },
    approval: 'second_person',
    idempotent: false,
    spec: { key: 'restore', onFailure: 'stop', timeoutMs: 30 * 60_000 },
  };
  return { scenario: 'adhoc:db.restore', title: step.title, steps: [step] };
}
