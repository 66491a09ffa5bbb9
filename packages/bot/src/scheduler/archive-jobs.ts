import type { Hosts } from '../hosts/fleet-hosts.js';
import type { HostResult } from '../hosts/transport.js';
import type { BackupChecksRepo, BackupJob, StoreLogger } from '../store/index.js';

export interface ArchiveJobDeps {
  hosts: Pick<Hosts, 'run' | 'withRole'>;
  checks: Pick<BackupChecksRepo, 'record'>;
  logger: StoreLogger;
}

export interface ArchiveJobResult {
  host: string;
  ok: boolean;
  detail: string;
}

/** §2.2 daily, whatever changed: a fresh archive every day keeps the offsite copies current. */
export const CONFIG_ARCHIVE_CRON = '15 3 * * *';
/** §2.2 "after a change": the files' hash is compared every 10 minutes; unchanged costs one hash. */
export const CONFIG_WATCH_CRON = '*/10 * * * *';
/** §2.3 "archive service logs weekly": Sunday night, after the nightly dump. */
export const HISTORY_ARCHIVE_CRON = '45 3 * * 0';

/** Archiving the price history of a busy year takes a while; past this the job has failed. */
const ARCHIVE_DEADLINE_MS = 30 * 60_000;

/**
 * The config-and-secrets archive (§2.2) on each app host (where the release repo and its `.env`
 * live): `ifChanged` for the change watch. Each host's result is kept (backup_checks), so App
 * Home and `recio doctor` show a failing archive; a failure is logged with its host and error.
 */
export async function configArchiveJob(deps: ArchiveJobDeps, ifChanged: boolean): Promise<ArchiveJobResult[]> {
  return runOnHosts(
    deps,
    'config-archive',
    names(deps.hosts.withRole('app')),
    { action: 'config.archive', params: { ifChanged } },
    (data) => {
      const d = data as { file?: string; skipped?: string; newest?: string; offsite?: boolean };
      if (d.skipped !== undefined) return { subject: d.newest, detail: `unchanged since ${d.newest}` };
      return {
        subject: d.file,
        detail: `${d.file} written${d.offsite ? ' and copied offsite' : ' (no offsite store configured)'}`,
      };
    },
  );
}

/** The logs and the price and snapshot exports (§2.3), on every db or app host once. */
export async function historyArchiveJob(deps: ArchiveJobDeps): Promise<ArchiveJobResult[]> {
  const hosts = [...new Set([...names(deps.hosts.withRole('db')), ...names(deps.hosts.withRole('app'))])];
  return runOnHosts(deps, 'history-archive', hosts, { action: 'history.archive', params: {} }, (data) => {
    const d = data as { written?: Array<{ file: string }>; deleted?: string[] };
    const written = (d.written ?? []).map((w) => w.file);
    return {
      subject: written[0],
      detail: `${written.join(', ')} written${d.deleted?.length ? `; ${d.deleted.length} past retention deleted` : ''}`,
    };
  });
}

const names = (hosts: ReadonlyArray<{ name: string }>) => hosts.map((h) => h.name);

async function runOnHosts(
  deps: ArchiveJobDeps,
  job: BackupJob,
  hosts: string[],
  request: Parameters<Hosts['run']>[1],
  describe: (data: unknown) => { subject?: string | undefined; detail: string },
): Promise<ArchiveJobResult[]> {
  const results: ArchiveJobResult[] = [];
  for (const host of hosts) {
    const result: HostResult = await deps.hosts.run(host, request, { deadlineMs: ARCHIVE_DEADLINE_MS });
    if (result.ok) {
      const { subject, detail } = describe(result.data);
      await deps.checks.record({ job, host, ok: true, ...(subject ? { subject } : {}), detail });
      results.push({ host, ok: true, detail });
      continue;
    }
    const detail = `${request.action} failed: ${result.error?.message ?? `exit ${result.exitCode}`}`;
    deps.logger.error({ host, job, code: result.error?.code, err: result.error?.message }, `scheduler: ${job} failed`);
    await deps.checks.record({ job, host, ok: false, detail });
    results.push({ host, ok: false, detail });
  }
  return results;
}
