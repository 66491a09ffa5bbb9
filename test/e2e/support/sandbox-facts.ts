import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Sandbox } from '@recio/sandbox/index';
import { currentRelease } from '@recio/sandbox/release-repo';
import { logFileOf } from '@recio/sandbox/sandbox-paths';
import { programStatus } from '@recio/sandbox/sandbox-supervisor';

/**
 * The sandbox's real state, read around the bot (supervisord's socket, the REC.IO database, the
 * release checkout): what the e2e tests assert on besides the messages.
 */
export interface ProgramFact {
  state: string;
  pid: number | null;
}

export async function programs(sandbox: Sandbox): Promise<Record<string, ProgramFact>> {
  const list = (await programStatus(sandbox.paths)) ?? [];
  return Object.fromEntries(list.map((p) => [p.name, { state: p.state, pid: p.pid }]));
}

async function withDb<T>(sandbox: Sandbox, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: sandbox.db.url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Rows a feed table got after `since` (by its own `ts`, the database's clock). */
export function rowsSince(
  sandbox: Sandbox,
  table: 'btc_price_log' | 'kalshi_market_snapshots',
  since: Date,
): Promise<number> {
  return withDb(sandbox, async (c) =>
    Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ts > $1`, [since])).rows[0]?.n),
  );
}

export function rowCount(sandbox: Sandbox, table: string): Promise<number> {
  return withDb(sandbox, async (c) =>
    Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n),
  );
}

/** The database's clock now: feed rows are stamped with it, so "after" is measured on one clock. */
export function dbNow(sandbox: Sandbox): Promise<Date> {
  return withDb(sandbox, async (c) => (await c.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now);
}

export function tableExists(sandbox: Sandbox, table: string): Promise<boolean> {
  return withDb(
    sandbox,
    async (c) =>
      (await c.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", [table])).rowCount === 1,
  );
}

export function checkedOutTag(sandbox: Sandbox): Promise<string | undefined> {
  return currentRelease(sandbox.paths, sandbox.user);
}

/** How many requests for `action` the sandbox's agent has answered (its own audit log on the host). */
export function agentCalls(sandbox: Sandbox, action: string): number {
  let text = '';
  try {
    text = readFileSync(logFileOf(sandbox.paths, 'agent-audit'), 'utf8');
  } catch {
    return 0;
  }
  return text.split('\n').filter((line) => line.includes(`"action":"${action}"`)).length;
}
