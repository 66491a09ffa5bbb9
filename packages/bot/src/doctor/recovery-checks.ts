import { FEED_MAX_AGE_SECONDS } from '../monitor/probes.js';
import { fail, pass, type CheckResult } from './check.js';

/** What agent.info says of the host's setup (agents before issue 13 leave these out). */
export interface RecoverySetup {
  db?: { expectedTables: string[]; feeds: string[] };
  offsite?: boolean;
  eventListener?: { installed: true; section: string; file: string } | { installed: false; why: string };
}

/**
 * What silently breaks a recovery on a host, each a line of its own: a database host whose agent
 * config has no expected tables (the checklist's "tables present" proves nothing) or lacks a feed
 * query (the checklist and the monitor cannot see a stale feed); no offsite copy of the dumps
 * (§2.1: a lost host takes its backups with it); an app host without the supervisord event listener
 * (a crash is seen only at the next probe round). An older agent that does not say is not judged.
 */
export function checkRecoverySetup(label: string, roles: readonly string[], setup: RecoverySetup): CheckResult[] {
  const results: CheckResult[] = [];
  if (roles.includes('db') && setup.db !== undefined) {
    const { expectedTables, feeds } = setup.db;
    results.push(
      expectedTables.length > 0
        ? pass(`${label} expected tables`, `the checklist checks ${expectedTables.length} tables`)
        : fail(
            `${label} expected tables`,
            'db.expectedTables is empty in the agent config: "tables present" passes on an empty database',
            "list REC.IO's tables under db.expectedTables in the host's agent config (recio-agent-setup verify)",
          ),
    );
    const missing = Object.keys(FEED_MAX_AGE_SECONDS).filter((feed) => !feeds.includes(feed));
    results.push(
      missing.length === 0
        ? pass(`${label} feed queries`, `the freshness of ${feeds.join(', ')} can be read`)
        : fail(
            `${label} feed queries`,
            `no db.feeds entry for ${missing.join(', ')}: a stale feed is never seen and the checklist cannot go green`,
            'add db.feeds.<feed>: { table, column } (the feed table and its timestamp column) to the agent config',
          ),
    );
  }
  if (roles.includes('db') && setup.offsite === false) {
    results.push(
      fail(
        `${label} offsite target`,
        'backups.offsite is not set: the dumps live only on this host, and are lost with it (§2.1)',
        'set backups.offsite (e.g. ["rclone", "copyto", "{file}", "remote:rec/{name}"]) and backups.offsiteList',
      ),
    );
  }
  if (roles.includes('app') && setup.eventListener !== undefined) {
    results.push(
      setup.eventListener.installed
        ? pass(`${label} event listener`, `[${setup.eventListener.section}] in ${setup.eventListener.file}`)
        : fail(
            `${label} event listener`,
            `${setup.eventListener.why}: a crash is seen only at the monitor's next round`,
            'recio agent install sets it up; or add [eventlistener:recio_events] with ' +
              'command=recio-event-listener --spool <events.spool> and events=PROCESS_STATE_FATAL,…',
          ),
    );
  }
  return results;
}
