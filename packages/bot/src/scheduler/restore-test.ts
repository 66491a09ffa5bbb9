import type { Hosts } from '../hosts/fleet-hosts.js';
import type { IncidentDesk } from '../incidents/desk.js';
import type { BackupChecksRepo, StoreLogger } from '../store/index.js';

export interface RestoreTestDeps {
  hosts: Pick<Hosts, 'run' | 'withRole'>;
  desk: Pick<IncidentDesk, 'reportFailure' | 'reportHealthy'>;
  /** Where the latest result per host is kept, for App Home, the doctor and the checklist. */
  checks: Pick<BackupChecksRepo, 'record'>;
  logger: StoreLogger;
}

export interface RestoreTestResult {
  host: string;
  ok: boolean;
  file?: string;
  detail: string;
}

/** Restoring a large dump into a scratch database takes a while; past this the test has failed. */
const RESTORE_TEST_DEADLINE_MS = 60 * 60_000;

/**
 * The nightly restore test (§2, beyond the plan): on every database host, the newest dump is loaded
 * into a scratch database (backup.verify). A dump that does not restore is not a backup, so a
 * failure opens the incident "backups cannot be restored" on that host; a pass is told to the
 * same incident if one is open, so it can be resolved.
 */
export async function nightlyRestoreTest(deps: RestoreTestDeps): Promise<RestoreTestResult[]> {
  const results: RestoreTestResult[] = [];
  for (const { name: host } of deps.hosts.withRole('db')) {
    const verified = await deps.hosts.run(
      host,
      { action: 'backup.verify', params: {} },
      { deadlineMs: RESTORE_TEST_DEADLINE_MS },
    );
    const file = (verified.data as { file?: string } | undefined)?.file;
    if (verified.ok) {
      const detail = `restore test passed: ${file ?? 'the newest dump'} loads into a scratch database`;
      await deps.checks.record({ job: 'restore-test', host, ok: true, ...(file ? { subject: file } : {}), detail });
      await deps.desk.reportHealthy(`restore-test:${host}`, detail);
      results.push({ host, ok: true, ...(file ? { file } : {}), detail });
      continue;
    }
    const detail = `backups cannot be restored: ${verified.error?.message ?? `exit ${verified.exitCode}`}`;
    deps.logger.error({ host, file, code: verified.error?.code }, 'scheduler: restore test failed');
    await deps.checks.record({ job: 'restore-test', host, ok: false, ...(file ? { subject: file } : {}), detail });
    await deps.desk.reportFailure({
      kind: 'restore_test',
      host,
      subject: file ?? 'postgres',
      state: verified.error?.code ?? 'failed',
      detail,
    });
    results.push({ host, ok: false, ...(file ? { file } : {}), detail });
  }
  return results;
}
