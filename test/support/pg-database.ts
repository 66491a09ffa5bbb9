import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { markOwned } from './leftovers.js';

const ADMIN_URL = process.env.RECIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  /** psql argv reaching it, for an agent config. */
  psql: string[];
  pgDump: string[];
  pgRestore: string[];
  /** -h -p -U for the server, for other client programs (createdb, dropdb). */
  connection: string[];
  /** A db.scratch agent config section reaching the same server (`{db}` is the scratch name). */
  scratch: { create: string[]; drop: string[]; psql: string[]; pgRestore: string[] };
  /** Names of the databases on the server starting with a prefix (to prove scratch ones are gone). */
  databasesLike(prefix: string): Promise<string[]>;
  query(sql: string): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

/** A fresh database on the machine's PostgreSQL, one per test file, dropped afterwards. */
export async function createTestDatabase(prefix = 'recio_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const releaseMarker = markOwned('database', name);
  const admin0 = new URL(ADMIN_URL);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  // pool.end() resolves before its clients' sockets close; DROP .. WITH (FORCE) right after can
  // terminate one of them, and a pool with no listener would throw that as an uncaught exception.
  pool.on('error', () => undefined);
  const connection = ['-h', admin0.hostname, '-p', admin0.port || '5432', '-U', admin0.username || 'postgres'];
  return {
    name,
    url: url.toString(),
    psql: ['psql', '-X', ...connection, '-d', name],
    pgDump: ['pg_dump', ...connection, name],
    pgRestore: ['pg_restore', ...connection, '-d', name],
    connection,
    scratch: {
      create: ['createdb', ...connection, '{db}'],
      drop: ['dropdb', ...connection, '--if-exists', '--force', '{db}'],
      psql: ['psql', '-X', ...connection, '-d', '{db}'],
      pgRestore: ['pg_restore', ...connection, '-d', '{db}'],
    },
    databasesLike: async (prefix) => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        const rows = await client.query<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1',
          [prefix],
        );
        return rows.rows.map((r) => r.datname);
      } finally {
        await client.end();
      }
    },
    query: (sql) => pool.query(sql),
    drop: async () => {
      await pool.end();
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
      releaseMarker();
    },
  };
}

/** Each table of the public schema with its number of rows, by name. */
export async function rowCountsByTable(db: Pick<TestDatabase, 'query'>): Promise<Record<string, number>> {
  const tables = (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
    (r) => r.tablename as string,
  );
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await db.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  return out;
}
