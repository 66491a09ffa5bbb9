import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, verifyAuditChain, type Store } from '@recio/bot/store/index';
import { adminQuery, createMachineDatabase, makeTempDir } from './support/backends.js';
import { stopLeftoverPostgres } from './support/leftovers.js';

/**
 * The bot's own database role, attacked: a real non-superuser PostgreSQL role (the runtime role of
 * DATABASE_URL) tries to delete, rewrite and truncate the audit log and to switch its trigger off.
 * The tables belong to a second role (DATABASE_OWNER_URL) that ran the migrations.
 */
const suffix = randomBytes(4).toString('hex');
const OWNER = `recio_owner_${suffix}`;
const RUNTIME = `recio_runtime_${suffix}`;
let db: Awaited<ReturnType<typeof createMachineDatabase>>;
let ownerUrl: string;
let runtimeUrl: string;
const stores: Store[] = [];

const as = (url: string, role: string) => {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
};

beforeAll(async () => {
  db = await createMachineDatabase();
  const dbName = new URL(db.url).pathname.slice(1);
  await adminQuery(db.url, `CREATE ROLE ${OWNER} LOGIN NOSUPERUSER; CREATE ROLE ${RUNTIME} LOGIN NOSUPERUSER`);
  await adminQuery(db.url, `ALTER DATABASE ${dbName} OWNER TO ${OWNER}; ALTER SCHEMA public OWNER TO ${OWNER}`);
  ownerUrl = as(db.url, OWNER);
  runtimeUrl = as(db.url, RUNTIME);
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await db?.drop();
  await adminQuery(
    db.url.replace(/\/[^/]*$/, '/postgres'),
    `DROP ROLE IF EXISTS ${RUNTIME}; DROP ROLE IF EXISTS ${OWNER}`,
  );
});

async function asRuntime(sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: runtimeUrl });
  await client.connect();
  try {
    await client.query(sql);
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end();
  }
}

describe('the runtime role may only INSERT and SELECT the audit log', () => {
  it(
    'works as the bot (migrated by the owner), and its DELETE, ' + 'UPDATE, TRUNCATE and trigger switch are refused',
    async () => {
      const migrated = await openStore({ databaseUrl: runtimeUrl, ownerUrl, dataDir: '/nonexistent-unused' });
      stores.push(migrated);
      // The bot itself runs with DATABASE_URL only: no owner credentials in its environment.
      const store = await openStore({ databaseUrl: runtimeUrl, dataDir: '/nonexistent-unused' });
      stores.push(store);
      for (let i = 0; i < 3; i++) await store.audit.append({ actor: 'U0ALICE', action: 'test.entry', detail: { i } });
      const { run } = await store.runs.create({
        scenario: 'adhoc',
        requestedBy: 'U0ALICE',
        steps: [{ title: 'Read', host: 'app1', action: 'service.status', params: {} }],
      });
      expect((await store.runs.get(run.id))?.state).toBe('pending');

      expect(await asRuntime('DELETE FROM audit_log WHERE id > 1')).toMatch(/permission denied for table audit_log/);
      expect(await asRuntime("UPDATE audit_log SET actor = 'U0MALLORY'")).toMatch(
        /permission denied for table audit_log/,
      );
      expect(await asRuntime('TRUNCATE audit_log')).toMatch(/permission denied for table audit_log/);
      expect(await asRuntime('ALTER TABLE audit_log DISABLE TRIGGER USER')).toMatch(/must be owner of table audit_log/);
      expect(await asRuntime('DROP TABLE audit_log')).toMatch(/must be owner of table audit_log/);
      expect(await asRuntime('DELETE FROM schema_migrations')).toMatch(/permission denied for table schema_migrations/);
      expect(await verifyAuditChain(store)).toMatchObject({ ok: true, checked: 3 });
      const [owner] = await adminQuery<{ tableowner: string }>(
        db.url,
        "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'",
      );
      expect(owner?.tableowner).toBe(OWNER);
    },
  );
});

describe('the embedded default makes both roles itself', () => {
  it(
    'the bot connects as a non-superuser runtime role that cannot delete, ' + 'truncate or switch off the trigger',
    async () => {
      const dataDir = makeTempDir();
      const store = await openStore({ dataDir });
      try {
        await store.audit.append({ actor: 'U0ALICE', action: 'test.entry' });
        const config = JSON.parse(readFileSync(join(dataDir, 'embedded.json'), 'utf8')) as {
          port: number;
          runtimeUser: string;
          runtimePassword: string;
        };
        expect(config.runtimeUser).toBe('recio_runtime');
        const credentials = `${config.runtimeUser}:${config.runtimePassword}`;
        const client = new pg.Client({
          connectionString: `postgresql://${credentials}@127.0.0.1:${config.port}/recio`,
        });
        await client.connect();
        const attempt = (sql: string) =>
          client.query(sql).then(
            () => 'allowed',
            (error: Error) => error.message,
          );
        try {
          const [me] = (
            await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')
          ).rows;
          expect(me?.rolsuper).toBe(false);
          expect(await attempt('DELETE FROM audit_log')).toMatch(/permission denied for table audit_log/);
          expect(await attempt('TRUNCATE audit_log')).toMatch(/permission denied for table audit_log/);
          expect(await attempt('ALTER TABLE audit_log DISABLE TRIGGER USER')).toMatch(
            /must be owner of table audit_log/,
          );
        } finally {
          await client.end();
        }
        expect(await verifyAuditChain(store)).toMatchObject({ ok: true, checked: 1 });
      } finally {
        await store.close();
        await stopLeftoverPostgres(dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
