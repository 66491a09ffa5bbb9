import pLimit from 'p-limit';
import type { HostRole } from '../config.js';
import { ErrorCode } from '@recio/protocol/errors';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { HostRequest, HostResult } from '../hosts/transport.js';
import type { Program } from '../domain/index.js';

/** One reading from a host: what it said, or why there is no answer. */
export type Reading<T> = { ok: true; value: T } | { ok: false; why: string };

/** What a db host says about its database, its feeds and its dumps. */
export interface DbReadings {
  status: Reading<{ state: string }>;
  /** Absent when the host's agent has no expected-table list to check against. */
  tables?: Reading<{ expected: number; missing: string[] }>;
  /**
   * Seconds since the newest row of each feed (null: the table is empty); feeds the host does not know are
   * left out.
   */
  feeds: Array<{ feed: string; ageSeconds: Reading<number | null> }>;
  newestBackup: Reading<{ file: string; ageSeconds: number } | null>;
}

/** One host as the App Home shows it. */
export interface HostOverview {
  name: string;
  roles: readonly HostRole[];
  programs: Reading<Program[]>;
  /** For db hosts that answered at all. */
  db?: DbReadings;
}

export interface FleetOverview {
  hosts: HostOverview[];
  readAt: Date;
}

/** The feeds the plan's checklist watches (the monitor's feed probes). */
export const FEEDS = ['btc_price', 'kalshi'] as const;

type Ask = (host: string, request: HostRequest) => Promise<HostResult>;

function failure(result: HostResult): { ok: false; why: string } {
  return { ok: false, why: result.error?.message ?? `exit ${result.exitCode}` };
}

function dataOf<T>(result: HostResult): T {
  return (result.data ?? {}) as T;
}

/** The host could not be asked at all: nothing else is worth asking it within the same deadline. */
function unreachable(result: HostResult): boolean {
  return (
    result.outcomeUnknown ||
    result.error?.code === ErrorCode.HostUnreachable ||
    result.error?.code === ErrorCode.HostKeyMismatch
  );
}

async function readDb(ask: Ask, host: string): Promise<DbReadings> {
  const [status, tables, backups, ...feeds] = await Promise.all([
    ask(host, { action: 'db.status', params: {} }),
    ask(host, { action: 'db.tables', params: {} }),
    ask(host, { action: 'backup.list', params: {} }),
    ...FEEDS.map((feed) => ask(host, { action: 'db.freshness', params: { feed } })),
  ]);
  const readings: DbReadings = {
    status: status.ok
      ? { ok: true, value: { state: dataOf<{ state?: string }>(status).state ?? 'active' } }
      : failure(status),
    feeds: [],
    newestBackup: backups.ok
      ? { ok: true, value: dataOf<{ newest?: { file: string; ageSeconds: number } | null }>(backups).newest ?? null }
      : failure(backups),
  };
  // db.tables fails when tables are missing: that is a reading, not a failure to read.
  if (tables.ok || tables.error?.code === 'tables_missing') {
    const data = dataOf<{ expected?: string[]; missing?: string[] }>(tables);
    readings.tables = { ok: true, value: { expected: data.expected?.length ?? 0, missing: data.missing ?? [] } };
  } else if (tables.error?.code !== ErrorCode.ConfigInvalid) {
    readings.tables = failure(tables);
  }
  feeds.forEach((result, i) => {
    if (result.error?.code === 'unknown_feed') return;
    readings.feeds.push({
      feed: FEEDS[i]!,
      ageSeconds: result.ok
        ? { ok: true, value: dataOf<{ ageSeconds: number | null }>(result).ageSeconds }
        : failure(result),
    });
  });
  return readings;
}

async function readHost(ask: Ask, host: { name: string; roles: readonly HostRole[] }): Promise<HostOverview> {
  const status = await ask(host.name, { action: 'service.status', params: {} });
  const overview: HostOverview = {
    name: host.name,
    roles: host.roles,
    programs: status.ok
      ? {
          ok: true,
          value: (dataOf<{ programs?: Program[] }>(status).programs ?? []).filter((p) => p.managed !== false),
        }
      : failure(status),
  };
  if (host.roles.includes('db') && !unreachable(status)) overview.db = await readDb(ask, host.name);
  return overview;
}

/**
 * Every host's programs and, on db hosts, the database, the feeds and the newest dump — read
 * through the agents, all within one deadline: a dead or slow host is a reading that says why,
 * never a wait longer than `deadlineMs`. Read-only actions only.
 */
export async function readFleet(
  hosts: Hosts,
  options: { deadlineMs: number; traceId: string; concurrency?: number },
): Promise<FleetOverview> {
  const deadline = Date.now() + options.deadlineMs;
  const ask: Ask = (host, request) =>
    hosts.run(host, request, { deadlineMs: Math.max(1, deadline - Date.now()), traceId: options.traceId });
  const limit = pLimit(options.concurrency ?? 8);
  const all = hosts.names().map((name) => hosts.get(name));
  return { hosts: await Promise.all(all.map((host) => limit(() => readHost(ask, host)))), readAt: new Date() };
}
