import pg from 'pg';
import { toStoreError } from './store-error.js';

/**
 * What the bot's runtime role may do, granted by the owner role after migrations: read and write
 * the working tables, but only INSERT and SELECT the audit log. Not owning the table, it can neither
 * disable the append-only trigger nor delete, update or truncate rows. Idempotent: run after every
 * `recio migrate`, so tables added later are covered too.
 */
export async function grantRuntimeRole(ownerUrl: string, runtimeRole: string, connectTimeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
  } catch (error) {
    throw toStoreError(error);
  }
  try {
    const role = client.escapeIdentifier(runtimeRole);
    const [{ schema, owner }] = (
      await client.query<{ schema: string; owner: string }>('SELECT current_schema() AS schema, current_user AS owner')
    ).rows as [{ schema: string; owner: string }];
    // One role for both URLs: nothing to separate (docs/security.md says what that leaves open).
    if (owner === runtimeRole) return;
    const where = client.escapeIdentifier(schema);
    await client.query('BEGIN');
    await client.query(`GRANT USAGE ON SCHEMA ${where} TO ${role}`);
    await client.query(`REVOKE CREATE ON SCHEMA ${where} FROM ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${where} TO ${role}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${where} TO ${role}`);
    await client.query(`REVOKE ALL ON audit_log FROM ${role}`);
    await client.query(`GRANT SELECT, INSERT ON audit_log TO ${role}`);
    // The migrations table is the owner's to write.
    await client.query(`REVOKE ALL ON schema_migrations FROM ${role}`);
    await client.query(`GRANT SELECT ON schema_migrations TO ${role}`);
    await client.query('COMMIT');
  } catch (error) {
    // The error that matters is the grant's; a failed ROLLBACK ends with the connection anyway.
    await client.query('ROLLBACK').catch(() => client.end());
    throw toStoreError(error);
  } finally {
    await client.end();
  }
}

/** The role a connection URL logs in as (postgres URLs name it as the user). */
export function roleOfUrl(url: string): string {
  return decodeURIComponent(new URL(url).username);
}
