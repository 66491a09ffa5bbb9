import pg from 'pg';
import type { StoreLogger } from './logger.js';
import { isUnavailable, toStoreError } from './store-error.js';

/**
 * The one way repositories reach PostgreSQL. On the pool each query may use a different
 * connection; inside `transaction` every query runs on the same one, and a nested `transaction`
 * joins the outer one, so a repository method that needs atomicity can be called on its own or
 * as part of a bigger transaction without changing.
 */
export interface Db {
  query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]>;
  transaction<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  readonly inTransaction: boolean;
}

export interface PoolSettings {
  connectionString: string;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

/** A pool whose every failure to reach the server ends within the timeouts, never in a hang. */
export function createPool(settings: PoolSettings, logger: StoreLogger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // Server-side limit for a statement, and a client-side one a little later for when the
    // server (or the network) stops answering altogether.
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 2_000,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    application_name: settings.applicationName,
  });
  // An idle connection dropped by a server restart is reported here; without a listener the
  // EventEmitter would throw and take the bot down with it.
  pool.on('error', (error) => logger.warn({ err: error.message }, 'store: idle connection lost'));
  return pool;
}

export function poolDb(pool: pg.Pool, logger: StoreLogger): Db {
  const db: Db = {
    inTransaction: false,
    async query<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]> {
      try {
        const result = await pool.query<R>(text, values as unknown[] | undefined);
        return result.rows;
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw toStoreError(error);
      }
      let broken: Error | undefined;
      // A checked-out client has no pool listener: a connection lost between two statements
      // would otherwise be an unhandled 'error' event.
      const onError = (error: Error): void => {
        broken = error;
        logger.warn({ err: error.message }, 'store: connection lost inside a transaction');
      };
      client.on('error', onError);
      const tx = clientDb(client);
      try {
        await tx.query('BEGIN');
        const value = await fn(tx);
        await tx.query('COMMIT');
        return value;
      } catch (error) {
        if (isUnavailable(error)) broken ??= error as Error;
        else await client.query('ROLLBACK').catch((rollbackError: Error) => (broken ??= rollbackError));
        throw toStoreError(error);
      } finally {
        client.removeListener('error', onError);
        client.release(broken ?? false);
      }
    },
  };
  return db;
}

function clientDb(client: pg.PoolClient): Db {
  const db: Db = {
    inTransaction: true,
    async query<R extends object>(text: string, values?: readonly unknown[]): Promise<R[]> {
      try {
        const result = await client.query<R>(text, values as unknown[] | undefined);
        return result.rows;
      } catch (error) {
        throw toStoreError(error);
      }
    },
    transaction: (fn) => fn(db),
  };
  return db;
}
