import pg from 'pg';

/** The machine's PostgreSQL as its admin: where a bench makes (and drops) its own database. */
export const ADMIN_URL = process.env.RECIO_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** One statement as the admin, on a connection of its own (CREATE DATABASE cannot run in a transaction). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
