import type { HostRole } from '../config.js';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { BotCheck } from './schema.js';

/** Where the bot's own probes look: the providers' health endpoints and the web UI. */
export interface ChecksConfig {
  providers: Record<string, string>;
  webUrl?: string | undefined;
  httpTimeoutMs: number;
}

/** What a check found. `ok` is the postcondition; `detail` says why in one line a person reads. */
export interface CheckOutcome {
  ok: boolean;
  detail: string;
  data?: unknown;
}

export interface CheckContext {
  hosts: Hosts;
  withRole(role: HostRole): string[];
  config: ChecksConfig;
  signal: AbortSignal;
  deadlineMs: number;
  traceId?: string;
}

async function probe(
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ ok: boolean; status: number | null; ms: number; error?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      redirect: 'manual',
    });
    await response.body?.cancel();
    return {
      ok: response.status >= 200 && response.status < 300,
      status: response.status,
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    const name = (error as Error).name;
    const why =
      name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    return { ok: false, status: null, ms: Math.round(performance.now() - started), error: why };
  }
}

async function checkProviders(params: Record<string, unknown>, ctx: CheckContext): Promise<CheckOutcome> {
  const wanted = Array.isArray(params.providers) ? (params.providers as string[]) : Object.keys(ctx.config.providers);
  const unknown = wanted.filter((name) => ctx.config.providers[name] === undefined);
  if (unknown.length > 0) return { ok: false, detail: `no health URL configured for ${unknown.join(', ')}` };
  const results = await Promise.all(
    wanted.map(async (name) => ({
      name,
      ...(await probe(ctx.config.providers[name]!, ctx.config.httpTimeoutMs, ctx.signal)),
    })),
  );
  const down = results.filter((r) => !r.ok);
  const describe = (r: (typeof results)[number]) => `${r.name} ${r.status ?? r.error}`;
  return {
    ok: down.length === 0,
    detail:
      down.length === 0
        ? `healthy: ${results.map((r) => `${r.name} ${r.status} in ${r.ms} ms`).join(', ')}`
        : `down: ${down.map(describe).join(', ')}`,
    data: { providers: results },
  };
}

async function checkWeb(_params: Record<string, unknown>, ctx: CheckContext): Promise<CheckOutcome> {
  if (ctx.config.webUrl === undefined) return { ok: false, detail: 'no web UI URL configured (RECIO_WEB_URL)' };
  const result = await probe(ctx.config.webUrl, ctx.config.httpTimeoutMs, ctx.signal);
  return {
    ok: result.status === 200,
    detail:
      result.status === 200 ? `web UI answered 200 in ${result.ms} ms` : `web UI: ${result.status ?? result.error}`,
    data: result,
  };
}

interface ProgramState {
  name: string;
  state: string;
  managed?: boolean;
}

async function checkServices(params: Record<string, unknown>, ctx: CheckContext): Promise<CheckOutcome> {
  const hosts = ctx.withRole('app');
  const results = await ctx.hosts.fanOut(
    hosts,
    { action: 'service.status', params: {} },
    { deadlineMs: ctx.deadlineMs, signal: ctx.signal, ...(ctx.traceId ? { traceId: ctx.traceId } : {}) },
  );
  const wanted = Array.isArray(params.services) ? (params.services as string[]) : undefined;
  const problems: string[] = [];
  for (const result of results) {
    if (!result.ok) {
      problems.push(`${result.host}: ${result.error?.message ?? 'no status'}`);
      continue;
    }
    const programs = (result.data as { programs: ProgramState[] }).programs.filter((p) =>
      wanted ? wanted.includes(p.name) : true,
    );
    for (const p of programs.filter((p) => p.state !== 'RUNNING'))
      problems.push(`${p.name} ${p.state} on ${result.host}`);
  }
  return {
    ok: problems.length === 0,
    detail: problems.length === 0 ? `all programs RUNNING on ${hosts.join(', ')}` : problems.join('; '),
    data: { hosts: results.map((r) => r.host) },
  };
}

async function checkFeed(params: Record<string, unknown>, ctx: CheckContext): Promise<CheckOutcome> {
  const feed = String(params.feed ?? '');
  const maxAgeSeconds = Number(params.max_age_seconds ?? 120);
  const [host] = ctx.withRole('db');
  if (host === undefined) return { ok: false, detail: 'no db host in the fleet' };
  const result = await ctx.hosts.run(
    host,
    { action: 'db.freshness', params: { feed } },
    { deadlineMs: ctx.deadlineMs, signal: ctx.signal, ...(ctx.traceId ? { traceId: ctx.traceId } : {}) },
  );
  if (!result.ok) return { ok: false, detail: `${feed}: ${result.error?.message ?? 'no answer'}` };
  const age = (result.data as { ageSeconds: number | null }).ageSeconds;
  if (age === null) return { ok: false, detail: `${feed}: no rows at all` };
  return {
    ok: age <= maxAgeSeconds,
    detail: `${feed}: newest row ${age}s old (limit ${maxAgeSeconds}s)`,
    data: result.data,
  };
}

/** Runs one bot-side check. `check.manual` never passes by itself: a person ticks it. */
export async function runCheck(
  check: BotCheck,
  params: Record<string, unknown>,
  ctx: CheckContext,
): Promise<CheckOutcome> {
  switch (check) {
    case 'check.providers':
      return checkProviders(params, ctx);
    case 'check.web':
      return checkWeb(params, ctx);
    case 'check.services':
      return checkServices(params, ctx);
    case 'check.feeds':
      return checkFeed(params, ctx);
    case 'check.manual':
      return { ok: false, detail: 'waiting for a lead_operator to confirm' };
  }
}
