import pg from 'pg';
import { PRESENCE_CLASS } from './lock-keys.js';
import type { StoreLogger } from './logger.js';

/**
 * Holds a session advisory lock named after this instance for as long as the process lives.
 * PostgreSQL drops it the moment the process dies (its connection goes with it), so another
 * instance can tell "owner gone" from "owner busy" without waiting for a lease to run out.
 * If the connection is lost, it reconnects in the background; meanwhile others may judge this
 * instance gone and interrupt its steps — the safe side, since an interrupted step is never
 * reported as a success.
 */
export interface Presence {
  close(): Promise<void>;
}

export async function startPresence(
  connectionString: string,
  instanceId: string,
  connectTimeoutMs: number,
  logger: StoreLogger,
): Promise<Presence> {
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let backoffMs = 500;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString,
      connectionTimeoutMillis: connectTimeoutMs,
      // Visible in pg_stat_activity, which is how an operator (or a test) sees who is alive.
      application_name: presenceApplicationName(instanceId),
      keepAlive: true,
    });
    const lost = (reason: string): void => {
      if (client !== next) return;
      logger.warn({ reason, instanceId }, 'store: presence connection lost; reconnecting');
      client = undefined;
      schedule();
    };
    next.on('error', (error) => lost(error.message));
    next.on('end', () => lost('connection ended'));
    try {
      await next.connect();
      await next.query('SELECT pg_advisory_lock($1, hashtext($2))', [PRESENCE_CLASS, instanceId]);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    backoffMs = 500;
  };

  const schedule = (): void => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((error: Error) => {
        logger.debug({ err: error.message }, 'store: presence reconnect failed');
        backoffMs = Math.min(backoffMs * 2, 30_000);
        schedule();
      });
    }, backoffMs);
    timer.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}

export function presenceApplicationName(instanceId: string): string {
  // application_name is cut at 63 bytes by the server.
  return `recio:${instanceId}`.slice(0, 63);
}
