import pg from 'pg';
import { LOCK_CLASS } from './lock-keys.js';
import type { StoreLogger } from './logger.js';

/**
 * One leader among replicas for a job (the monitor): whoever holds a session advisory lock on a
 * dedicated connection. PostgreSQL releases it the moment the holder's process dies, so a standby
 * that keeps trying takes over within one retry interval.
 */
export interface Leadership {
  isLeader(): boolean;
  /** Resolves when this instance holds the lock (or the leadership is closed). */
  whenLeader(): Promise<void>;
  close(): Promise<void>;
}

export interface LeadershipOptions {
  retryMs: number;
  connectTimeoutMs: number;
  logger: StoreLogger;
  onChange?: (leader: boolean) => void;
  /** Each try for the lock, once answered: how many it took to take over is countable. */
  onAttempt?: (held: boolean) => void;
}

export async function startLeadership(
  connectionString: string,
  lockKey: number,
  options: LeadershipOptions,
): Promise<Leadership> {
  let client: pg.Client | undefined;
  let leader = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];

  const setLeader = (value: boolean): void => {
    if (leader === value) return;
    leader = value;
    options.onChange?.(value);
    if (value) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };

  const attempt = async (): Promise<void> => {
    if (closed || leader) return;
    if (client === undefined) {
      const next = new pg.Client({
        connectionString,
        connectionTimeoutMillis: options.connectTimeoutMs,
        keepAlive: true,
        application_name: 'recio:leader',
      });
      const lost = (reason: string) => {
        if (client !== next) return;
        client = undefined;
        if (leader) options.logger.warn({ reason }, 'store: leadership connection lost; standing down');
        setLeader(false);
      };
      next.on('error', (error) => lost(error.message));
      next.on('end', () => lost('connection ended'));
      await next.connect();
      client = next;
    }
    const [row] = (
      await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [LOCK_CLASS, lockKey])
    ).rows;
    options.onAttempt?.(row?.held === true);
    setLeader(row?.held === true);
  };

  const loop = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      attempt()
        .catch((error: Error) => options.logger.debug({ err: error.message }, 'store: leadership attempt failed'))
        .finally(loop);
    }, options.retryMs);
    timer.unref();
  };

  await attempt().catch((error: Error) =>
    options.logger.debug({ err: error.message }, 'store: leadership attempt failed'),
  );
  loop();
  return {
    isLeader: () => leader,
    whenLeader: () => (leader || closed ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      setLeader(false);
      for (const wake of waiters) wake();
      waiters = [];
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
