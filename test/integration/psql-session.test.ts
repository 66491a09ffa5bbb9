import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { type AgentConfig, AgentConfigSchema } from '@recio/agent/agent-config';
import { dispatch } from '@recio/agent/dispatch';
import { closeProbeSessions } from '@recio/agent/psql-session';
import type { ActionResult } from '@recio/protocol/messages';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { until } from '../slack/helpers.js';

/**
 * The database probes on one long-lived psql per agent session, against the real PostgreSQL: the
 * same answers as a psql per probe, one backend for all of them, a connection killed under it
 * replaced, a probe stuck on a lock ended at its deadline.
 */
let db: TestDatabase;
let session: AgentConfig;
let perProbe: AgentConfig;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase('recio_psql_session');
  await db.query('CREATE TABLE trades (id int)');
  await db.query('CREATE TABLE btc_price_log (ts timestamptz)');
  await db.query("INSERT INTO btc_price_log VALUES (now() - interval '42 seconds')");
  const section = {
    status: ['true'],
    psql: db.psql,
    expectedTables: ['trades', 'btc_price_log'],
    feeds: {
      btc: { table: 'btc_price_log', column: 'ts' },
      broken: { table: 'no_such_table', column: 'ts' },
    },
  };
  session = AgentConfigSchema.parse({ db: section });
  perProbe = AgentConfigSchema.parse({ db: { ...section, probeSession: false } });
});

afterAll(async () => {
  closeProbeSessions();
  await db?.drop();
});

const run = (config: AgentConfig, action: string, params: Record<string, unknown> = {}, timeoutMs = 30_000) =>
  dispatch({ v: 1, id: `psql-${++seq}`, action, params, timeoutMs }, config, { signal: new AbortController().signal });

const comparable = ({ durationMs: _, ...rest }: ActionResult) => rest;

/** The psql backends connected to the test database (not the test's own pg client). */
async function psqlBackends(): Promise<number[]> {
  const rows = await db.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'psql' ORDER BY pid`,
  );
  return rows.rows.map((r: { pid: number }) => r.pid);
}

describe('database probes on one psql per agent session', () => {
  test('the same answers as a psql per probe, success and failure', async () => {
    const probes: Array<[string, Record<string, unknown>]> = [
      ['db.status', {}],
      ['db.tables', {}],
      ['db.tables', { expected: ['trades', 'positions'] }],
      ['db.freshness', { feed: 'broken' }],
    ];
    for (const [action, params] of probes) {
      const viaSession = comparable(await run(session, action, params));
      const viaPerProbe = comparable(await run(perProbe, action, params));
      // A failed statement: the same first line; psql -c adds the LINE/caret context, the session does not.
      if (viaSession.error !== undefined && viaPerProbe.error !== undefined) {
        expect(viaPerProbe.error.message.startsWith(viaSession.error.message)).toBe(true);
        viaSession.error.message = viaPerProbe.error.message;
      }
      expect(viaSession).toEqual(viaPerProbe);
    }
    const broken = await run(session, 'db.freshness', { feed: 'broken' });
    expect(broken).toMatchObject({ ok: false, error: { code: 'action_failed' } });
    expect(broken.error?.message).toContain('relation "no_such_table" does not exist');
    const fresh = await run(session, 'db.freshness', { feed: 'btc' });
    const freshPerProbe = await run(perProbe, 'db.freshness', { feed: 'btc' });
    expect(fresh).toMatchObject({ ok: true, data: { feed: 'btc', table: 'btc_price_log' } });
    expect((fresh.data as { newest: string }).newest).toBe((freshPerProbe.data as { newest: string }).newest);
    expect((fresh.data as { ageSeconds: number }).ageSeconds).toBeGreaterThanOrEqual(42);
  });

  test('every probe on the same backend; a backend killed under it is replaced at the next probe', async () => {
    expect((await run(session, 'db.status')).ok).toBe(true);
    // The first test's psql-per-probe clients have exited, but a backend outlives its client for
    // a moment (it ends after reading the client's goodbye): wait until only the session's is left.
    await until(async () => expect(await psqlBackends()).toHaveLength(1), { interval: 50 });
    const [first] = await psqlBackends();
    for (let i = 0; i < 5; i++) {
      expect((await run(session, 'db.status')).ok).toBe(true);
      expect((await run(session, 'db.tables')).ok).toBe(true);
    }
    expect(await psqlBackends()).toEqual([first]);
    await db.query(`SELECT pg_terminate_backend(${Number(first)})`);
    const after = await run(session, 'db.status');
    expect(after, JSON.stringify(after.error)).toMatchObject({ ok: true, data: { reachable: true } });
    // pg_terminate_backend only signals: the killed backend leaves pg_stat_activity a moment later.
    await until(async () => {
      const now = await psqlBackends();
      expect(now).toHaveLength(1);
      expect(now).not.toEqual([first]);
    });
  });

  test('a probe stuck behind a lock ends at its deadline; the next probe gets a fresh psql', async () => {
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE btc_price_log IN ACCESS EXCLUSIVE MODE');
      const stuck = await run(session, 'db.freshness', { feed: 'btc' }, 1_500);
      expect(stuck).toMatchObject({ ok: false, timedOut: true, error: { code: 'step_timeout' } });
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    const next = await run(session, 'db.freshness', { feed: 'btc' });
    expect(next, JSON.stringify(next.error)).toMatchObject({ ok: true, data: { feed: 'btc' } });
  });
});
