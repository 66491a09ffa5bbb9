import type { BackupCheck, Store } from '../store/index.js';
import { fail, pass, type CheckResult } from './check.js';

/** The restore test runs nightly: a last pass older than two nights means it stopped running or passing. */
export const RESTORE_TEST_MAX_AGE_HOURS = 48;

const when = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The nightly restore test's verdict (scheduler/restore-test.ts): an open "backups cannot be
 * restored" incident, a host whose last test failed, or a last pass older than two nights fails;
 * otherwise each host's last pass, with the dump it loaded.
 */
export async function checkRestoreTest(store: Store, now = Date.now()): Promise<CheckResult> {
  const fix =
    "the incident's thread names the dump and the error; take a new dump (/recio backup now) and check it restores";
  const failing = (await store.incidents.listUnresolved()).filter((i) => i.fingerprint.startsWith('restore-test:'));
  if (failing.length > 0)
    return fail('restore test', failing.map((i) => `${i.title} (since ${when(i.openedAt)})`).join('; '), fix);
  const results = await store.backupChecks.list('restore-test');
  if (results.length === 0)
    return pass(
      'restore test',
      'no restore test recorded yet (it runs nightly at 04:30, after the dump); no incident open',
    );
  const bad = results.filter((r) => !r.ok);
  if (bad.length > 0) return fail('restore test', bad.map(lastFailure).join('; '), fix);
  const stale = results.filter((r) => now - r.at.getTime() > RESTORE_TEST_MAX_AGE_HOURS * 3_600_000);
  if (stale.length > 0)
    return fail(
      'restore test',
      stale.map((r) => `${r.host}: last run ${when(r.at)}, over ${RESTORE_TEST_MAX_AGE_HOURS} h ago`).join('; '),
      'check that the bot leads the monitor (the scheduler runs on the leader) and its log for "restore test"',
    );
  return pass(
    'restore test',
    results.map((r) => `${r.host}: passed ${when(r.at)} (${r.subject ?? 'newest dump'})`).join('; '),
  );
}

function lastFailure(r: BackupCheck): string {
  return `${r.host}: failed ${when(r.at)}: ${r.detail}; last passed ${r.lastOk ? when(r.lastOk) : 'never'}`;
}

/** §2.2 and §2.3's scheduled archives: each host's last run passed. */
export async function checkArchiveJobs(store: Store): Promise<CheckResult> {
  const results = [
    ...(await store.backupChecks.list('config-archive')),
    ...(await store.backupChecks.list('history-archive')),
  ];
  const bad = results.filter((r) => !r.ok);
  if (bad.length > 0)
    return fail(
      'archives',
      bad.map((r) => `${r.job} ${lastFailure(r)}`).join('; '),
      'fix what the error names in the host agent config (configBackup, history, backups.offsite), then ' +
        '/recio backup config',
    );
  if (results.length === 0) return pass('archives', 'no config or history archive job has run yet');
  return pass('archives', results.map((r) => `${r.job} on ${r.host}: ${r.detail} (${when(r.at)})`).join('; '));
}
