import type { Hosts } from '../hosts/fleet-hosts.js';
import { fail, pass, type CheckResult } from './check.js';
import { checkRecoverySetup, type RecoverySetup } from './recovery-checks.js';

interface Info extends RecoverySetup {
  agentVersion: string;
  protocol: number;
  services: string[];
}

/**
 * Per host: reachable with the pinned key, the agent answers with our protocol, every service its
 * config lists exists in supervisor, and (db hosts) the newest dump is fresh.
 */
export async function checkHost(
  hosts: Hosts,
  name: string,
  roles: readonly string[],
  backupMaxAgeHours: number,
): Promise<CheckResult[]> {
  const label = `host ${name}`;
  const info = await hosts.run(name, { action: 'agent.info', params: {} }, { deadlineMs: 15_000 });
  if (!info.ok) {
    const code = info.error?.code;
    const fix =
      code === 'host_key_mismatch'
        ? 'if the host was rebuilt, re-pin its key in the fleet file (ssh-keyscan | ssh-keygen -lf -); ' +
          'otherwise treat it as an attack'
        : code === 'protocol_mismatch'
          ? 'upgrade the bot or the agent so both speak the same protocol version'
          : code === 'unknown_action'
            ? 'the agent is older than the bot: reinstall it (recio agent install)'
            : 'check the address, port, the recio account and its authorized_keys (recio agent install)';
    return [fail(label, info.error?.message ?? 'no answer', fix)];
  }
  const data = info.data as Info;
  const results = [
    pass(label, `reachable, host key matches the pin, agent ${data.agentVersion} (protocol v${data.protocol})`),
    ...checkRecoverySetup(label, roles, data),
  ];
  if (roles.includes('app')) {
    const status = await hosts.run(name, { action: 'service.status', params: {} }, { deadlineMs: 15_000 });
    const programs = status.ok
      ? (status.data as { programs: Array<{ name: string }> }).programs.map((p) => p.name)
      : [];
    const missing = data.services.filter((s) => !programs.includes(s));
    results.push(
      !status.ok
        ? fail(
            `${label} services`,
            status.error?.message ?? 'supervisorctl status failed',
            "check supervisord and the agent account's access to its socket",
          )
        : missing.length === 0
          ? pass(`${label} services`, `all ${data.services.length} configured programs exist in supervisor`)
          : fail(
              `${label} services`,
              `configured but not in supervisor: ${missing.join(', ')}`,
              'fix the services list in the agent config or the supervisor program names',
            ),
    );
  }
  if (roles.includes('db')) {
    const backups = await hosts.run(name, { action: 'backup.list', params: {} }, { deadlineMs: 15_000 });
    const newest = (backups.data as { newest?: { file: string; ageSeconds: number } | null } | undefined)?.newest;
    const hours = newest ? newest.ageSeconds / 3600 : Infinity;
    results.push(
      !backups.ok
        ? fail(
            `${label} backups`,
            backups.error?.message ?? 'backup.list failed',
            'check backups.dir in the agent config',
          )
        : hours <= backupMaxAgeHours
          ? pass(`${label} backups`, `newest ${newest!.file}, ${hours.toFixed(1)} h old`)
          : fail(
              `${label} backups`,
              newest
                ? `newest ${newest.file} is ${hours.toFixed(1)} h old (limit ${backupMaxAgeHours} h)`
                : 'no dump at all',
              'run /recio backup now, then check the nightly schedule',
            ),
    );
    if (backups.ok) results.push(checkBackupModes(label, backups.data as BackupListing));
    const offsite = (backups.data as { offsite?: OffsiteListing } | undefined)?.offsite;
    if (backups.ok && offsite !== undefined) results.push(checkOffsite(label, offsite, backupMaxAgeHours));
  }
  if (roles.includes('db') || roles.includes('app')) {
    const archives = await hosts.run(name, { action: 'archive.list', params: {} }, { deadlineMs: 15_000 });
    results.push(
      archives.ok
        ? checkArchiveModes(label, archives.data as ArchiveListing)
        : fail(
            `${label} archive modes`,
            archives.error?.message ?? 'archive.list failed',
            'check configBackup.dir and history.dir in the agent config (an older agent: recio agent install)',
          ),
    );
  }
  return results;
}

type ArchiveDir = { dir: string; dirMode: string | null; files: Array<{ file: string; mode: string }> };
type ArchiveListing = { config: ArchiveDir; history: ArchiveDir };

/** The config archives hold every secret, the history archives every price: 0600 in 0700, as the dumps. */
export function checkArchiveModes(label: string, listing: ArchiveListing): CheckResult {
  const problems: string[] = [];
  const fixes: string[] = [];
  for (const { dir, dirMode, files } of [listing.config, listing.history]) {
    const open = files.filter((f) => wider(f.mode, 0o600)).map((f) => `${f.file} (${f.mode})`);
    if (wider(dirMode, 0o700)) problems.push(`${dir} is ${dirMode} (want 0700)`);
    if (open.length > 0) problems.push(`readable by others (want 0600): ${open.join(', ')}`);
    if (wider(dirMode, 0o700) || open.length > 0) fixes.push(`chmod 700 ${dir} && chmod 600 ${dir}/*`);
  }
  const count = listing.config.files.length + listing.history.files.length;
  return problems.length === 0
    ? pass(
        `${label} archive modes`,
        `${listing.config.dir}, ${listing.history.dir} and their ${count} archives are private`,
      )
    : fail(
        `${label} archive modes`,
        problems.join('; '),
        `${fixes.join('; ')} on the host (new archives are written 0600)`,
      );
}

interface BackupListing {
  dir: string;
  dirMode?: string | null;
  backups: Array<{ file: string; mode?: string }>;
}

/** Group or world bits set: wider than the 0600 / 0700 dumps must have (issue 12 item 12). */
const wider = (mode: string | null | undefined, max: number) =>
  mode !== undefined && mode !== null && (Number.parseInt(mode, 8) & 0o777 & ~max) !== 0;

/** Dumps hold every trade: the doctor names any dump or backups dir others can read. */
export function checkBackupModes(label: string, listing: BackupListing): CheckResult {
  const open = listing.backups.filter((b) => wider(b.mode, 0o600)).map((b) => `${b.file} (${b.mode})`);
  const dirOpen = wider(listing.dirMode, 0o700);
  if (!dirOpen && open.length === 0) {
    return pass(`${label} backup modes`, `${listing.dir} and its ${listing.backups.length} dumps are private`);
  }
  const problems = [
    ...(dirOpen ? [`${listing.dir} is ${listing.dirMode} (want 0700)`] : []),
    ...(open.length > 0 ? [`readable by others (want 0600): ${open.join(', ')}`] : []),
  ];
  return fail(
    `${label} backup modes`,
    problems.join('; '),
    `chmod 700 ${listing.dir} && chmod 600 ${listing.dir}/db_* on the host (new dumps are written 0600)`,
  );
}

type OffsiteListing = { files: Array<{ file: string; takenAt: string }> } | { error: string };

const DAY_MS = 86_400_000;
/** The plan's offsite retention (§2.1), and a couple of days' grace for the remote's lifecycle run. */
export const OFFSITE_KEEP_DAYS = 30;
const OFFSITE_GRACE_DAYS = 2;

/** §2.1 offsite: the newest copy is fresh, and nothing older than 30 days is left there. */
export function checkOffsite(
  label: string,
  offsite: OffsiteListing,
  maxAgeHours: number,
  now = Date.now(),
): CheckResult {
  const name = `${label} offsite`;
  if ('error' in offsite)
    return fail(name, offsite.error, 'check backups.offsiteList and the offsite credentials in the agent config');
  const newest = offsite.files[0];
  if (newest === undefined) return fail(name, 'no dump offsite', 'run /recio backup now (it copies offsite)');
  const hours = (now - Date.parse(newest.takenAt)) / 3_600_000;
  if (hours > maxAgeHours) {
    return fail(
      name,
      `newest offsite ${newest.file} is ${hours.toFixed(1)} h old (limit ${maxAgeHours} h)`,
      "check the backup run's offsite step (backups.offsite) in the last nights' runs",
    );
  }
  const listed = offsite.files;
  const stale = listed.filter((f) => now - Date.parse(f.takenAt) > (OFFSITE_KEEP_DAYS + OFFSITE_GRACE_DAYS) * DAY_MS);
  if (stale.length > 0) {
    return fail(
      name,
      `${stale.length} offsite dump(s) older than ${OFFSITE_KEEP_DAYS} days (oldest ${stale.at(-1)!.file})`,
      `add or fix the remote's ${OFFSITE_KEEP_DAYS}-day lifecycle rule ` +
        `(or rclone delete --min-age ${OFFSITE_KEEP_DAYS}d)`,
    );
  }
  return pass(
    name,
    `newest ${newest.file}, ${hours.toFixed(1)} h old; ` +
      `${offsite.files.length} dumps, none past ${OFFSITE_KEEP_DAYS} days`,
  );
}
