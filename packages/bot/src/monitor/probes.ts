import type { Hosts } from '../hosts/fleet-hosts.js';
import type { HostResult } from '../hosts/transport.js';
import type { Failure } from '../incidents/failure.js';
import type { ChecksConfig } from '../runbooks/checks.js';

/** One thing the monitor looked at: failing (with what was seen) or healthy. */
export interface Observation {
  failure: Failure;
  ok: boolean;
}

export interface ProbeContext {
  hosts: Hosts;
  withRole(role: 'db' | 'app' | 'web'): string[];
  checks: ChecksConfig;
  services: readonly string[];
  feedMaxAgeSeconds: Record<string, number>;
  backupMaxAgeSeconds: number;
  deadlineMs: number;
}

const FAILED = new Set(['FATAL', 'BACKOFF', 'EXITED']);
/** The feeds the monitor and the checklist read, and the age past which each is stale. */
export const FEED_MAX_AGE_SECONDS: Readonly<Record<string, number>> = { btc_price: 60, kalshi: 120 };
const FEED_PROVIDER: Record<string, string> = { btc_price: 'coinbase', kalshi: 'kalshi' };
const FEED_WATCHDOG: Record<string, string> = { btc_price: 'btc_price_watchdog', kalshi: 'kalshi_api_watchdog' };

interface ProgramLine {
  name: string;
  state: string;
  description: string;
  /** supervisord's uptime of a RUNNING program; null otherwise. */
  uptimeSeconds?: number | null;
}

export async function probePrograms(
  ctx: ProbeContext,
  host: string,
): Promise<{ observations: Observation[]; failing: Set<string>; leastUptimeSeconds: number | null }> {
  const result = await ctx.hosts.run(host, { action: 'service.status', params: {} }, { deadlineMs: ctx.deadlineMs });
  const failing = new Set<string>();
  if (!result.ok) return { observations: [], failing, leastUptimeSeconds: null };
  const programs = (result.data as { programs: ProgramLine[] }).programs.filter((p) => ctx.services.includes(p.name));
  const observations = programs.map((p) => {
    const failed = FAILED.has(p.state);
    if (failed) failing.add(p.name);
    return {
      ok: !failed,
      failure: {
        kind: 'program' as const,
        host,
        subject: p.name,
        state: p.state,
        detail: `${p.name} is ${p.state} on ${host}${p.description ? ` (${p.description})` : ''}`,
      },
    };
  });
  const uptimes = programs.map((p) => p.uptimeSeconds ?? null);
  const leastUptimeSeconds =
    uptimes.length === 0 || uptimes.some((u) => u === null) ? null : Math.min(...(uptimes as number[]));
  return { observations, failing, leastUptimeSeconds };
}

export async function probeDatabase(
  ctx: ProbeContext,
  host: string,
): Promise<{ observations: Observation[]; up: boolean }> {
  const status = await ctx.hosts.run(host, { action: 'db.status', params: {} }, { deadlineMs: ctx.deadlineMs });
  if (!status.ok && status.error?.code === 'host_unreachable') return { observations: [], up: false };
  const db: Observation = {
    ok: status.ok,
    failure: {
      kind: 'db',
      host,
      subject: 'postgresql',
      state: status.ok ? 'up' : 'down',
      detail: status.ok ? `PostgreSQL answers on ${host}` : `PostgreSQL on ${host}: ${status.error?.message ?? 'down'}`,
    },
  };
  if (!status.ok) return { observations: [db], up: false };
  const tables = await ctx.hosts.run(host, { action: 'db.tables', params: {} }, { deadlineMs: ctx.deadlineMs });
  if (tables.error?.code === 'config_invalid') return { observations: [db], up: true };
  const missing = ((tables.data as { missing?: string[] } | undefined)?.missing ?? []).join(', ');
  // A DB that is up but has lost tables is the same fault (postgres-failure): one observation.
  const integrity: Observation = tables.ok
    ? db
    : {
        ok: false,
        failure: {
          kind: 'tables',
          host,
          subject: missing || 'tables',
          state: 'missing',
          detail: tables.error?.message ?? `tables missing on ${host}`,
        },
      };
  return { observations: [integrity], up: true };
}

export async function probeProviders(ctx: ProbeContext): Promise<{ observations: Observation[]; down: Set<string> }> {
  const down = new Set<string>();
  const observations = await Promise.all(
    Object.entries(ctx.checks.providers).map(async ([name, url]) => {
      const started = performance.now();
      let state: string;
      try {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(ctx.checks.httpTimeoutMs),
          redirect: 'manual',
        });
        await response.body?.cancel();
        state = response.status >= 500 || response.status === 429 ? String(response.status) : 'ok';
      } catch {
        state = 'timeout';
      }
      if (state !== 'ok') down.add(name);
      const ms = Math.round(performance.now() - started);
      return {
        ok: state === 'ok',
        failure: {
          kind: 'provider' as const,
          subject: name,
          state,
          detail:
            state === 'ok'
              ? `${name} healthy (${ms} ms)`
              : `${name} health endpoint: ` +
                (state === 'timeout' ? `no answer within ${ctx.checks.httpTimeoutMs} ms` : `HTTP ${state}`),
        },
      };
    }),
  );
  return { observations, down };
}

export async function probeFeeds(
  ctx: ProbeContext,
  host: string,
  skip: { providersDown: Set<string>; programsFailing: Set<string> },
): Promise<Observation[]> {
  const out: Observation[] = [];
  for (const [feed, maxAge] of Object.entries(ctx.feedMaxAgeSeconds)) {
    // A stale feed whose provider is down or whose watchdog crashed is that fault, not another one.
    if (skip.providersDown.has(FEED_PROVIDER[feed] ?? '') || skip.programsFailing.has(FEED_WATCHDOG[feed] ?? ''))
      continue;
    const result: HostResult = await ctx.hosts.run(
      host,
      { action: 'db.freshness', params: { feed } },
      { deadlineMs: ctx.deadlineMs },
    );
    if (!result.ok) continue;
    const age = (result.data as { ageSeconds: number | null }).ageSeconds;
    const stale = age === null || age > maxAge;
    out.push({
      ok: !stale,
      failure: {
        kind: 'feed',
        host,
        subject: feed,
        state: age === null ? 'empty' : `${age}s old`,
        detail: stale
          ? `${feed} feed: newest row ${age === null ? 'missing' : `${age}s old`} (limit ${maxAge}s)`
          : `${feed} feed fresh (${age}s)`,
      },
    });
  }
  return out;
}

/**
 * When an offsite dump was taken: the local copy's mtime while it is still on the host (7 days);
 * else the time in its name, and for a nightly named by date only (`db_2026-11-26.sql`) the end of
 * that day — counting from midnight would call last night's copy stale for the minutes before
 * tonight's lands, every night.
 */
function takenAt(dump: { file: string; takenAt: string }, local: ReadonlyArray<{ file: string; modifiedAt: string }>) {
  const here = local.find((l) => l.file === dump.file);
  if (here !== undefined) return Date.parse(here.modifiedAt);
  return Date.parse(dump.takenAt) + (/_\d{6}\.sql$/.test(dump.file) ? 0 : 86_400_000 - 1000);
}

type OffsiteListing = { files: Array<{ file: string; takenAt: string }> } | { error: string };

export async function probeBackups(ctx: ProbeContext, host: string): Promise<Observation[]> {
  const result = await ctx.hosts.run(host, { action: 'backup.list', params: {} }, { deadlineMs: ctx.deadlineMs });
  if (!result.ok) return [];
  const { newest, offsite, backups } = result.data as {
    newest: { file: string; ageSeconds: number } | null;
    offsite?: OffsiteListing;
    backups?: Array<{ file: string; modifiedAt: string }>;
  };
  const hours = newest ? Math.round(newest.ageSeconds / 360) / 10 : null;
  const stale = newest === null || newest.ageSeconds > ctx.backupMaxAgeSeconds;
  return [
    {
      ok: !stale,
      failure: {
        kind: 'backup',
        host,
        subject: 'postgres',
        state: hours === null ? 'none' : `${hours} h`,
        detail: newest
          ? `newest dump ${newest.file} is ${hours} h old (limit ${ctx.backupMaxAgeSeconds / 3600} h)`
          : 'no database dump at all',
      },
    },
    ...(offsite === undefined ? [] : offsiteObservations(ctx, host, offsite, backups ?? [])),
  ];
}

/**
 * §2.1's offsite copy, when the host can list its offsite store (backups.offsiteList): the newest
 * copy there within the same limit as the local dump. A listing that fails is no observation at
 * all — neither a stale copy (an incident on a guess) nor a healthy one (it would tell an open
 * offsite incident it recovered); the doctor names the failing listing.
 */
function offsiteObservations(
  ctx: ProbeContext,
  host: string,
  offsite: OffsiteListing,
  local: ReadonlyArray<{ file: string; modifiedAt: string }>,
): Observation[] {
  if ('error' in offsite) return [];
  const newest = offsite.files[0];
  const ageSeconds = newest ? Math.max(0, (Date.now() - takenAt(newest, local)) / 1000) : null;
  const hours = ageSeconds === null ? null : Math.round(ageSeconds / 360) / 10;
  const stale = ageSeconds === null || ageSeconds > ctx.backupMaxAgeSeconds;
  return [
    {
      ok: !stale,
      failure: {
        kind: 'offsite',
        host,
        subject: 'postgres',
        state: hours === null ? 'none' : `${hours} h`,
        detail: newest
          ? `newest offsite copy ${newest.file} is ${hours} h old (limit ${ctx.backupMaxAgeSeconds / 3600} h)`
          : 'no dump in the offsite store at all',
      },
    },
  ];
}
