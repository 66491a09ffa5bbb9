import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Db } from './db.js';

/** A held host+service lock: at most one restart (or stop, or deploy) of a service at a time. */
export interface ServiceLock {
  host: string;
  service: string;
  /** Who holds it, in words a person can act on, e.g. `run 1c9e… (U024BE7LH)`. */
  owner: string;
  purpose: string | null;
  /** The bot instance holding it; its death frees the lock at the next recovery. */
  instanceId: string;
  acquiredAt: Date;
  leaseUntil: Date;
}

export type LockAttempt = { acquired: true; lock: ServiceLock } | { acquired: false; heldBy: ServiceLock };

export interface LockRequest {
  host: string;
  service: string;
  owner: string;
  purpose?: string | null;
  leaseMs: number;
}

export interface LocksRepo {
  /**
   * Takes the lock if free, expired, or already held by this owner on this instance (then the lease is
   * renewed). `owner` must name one holder, e.g. a run or step id.
   */
  acquire(request: LockRequest): Promise<LockAttempt>;
  /** Extends the lease; false if the lock is no longer this owner's. */
  renew(host: string, service: string, owner: string, leaseMs: number): Promise<boolean>;
  release(host: string, service: string, owner: string): Promise<boolean>;
  get(host: string, service: string): Promise<ServiceLock | undefined>;
  /**
   * Runs `fn` holding the lock, renewing the lease while it runs and releasing it after. Busy:
   * with `waitMs` it waits its turn up to then; without, or when the wait runs out, it throws
   * `locked` naming the holder and since when. `fn` gets a signal that aborts if the lock is lost.
   */
  withLock<T>(request: LockRequest & { waitMs?: number }, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

interface LockRow {
  host: string;
  service: string;
  owner: string;
  purpose: string | null;
  instance_id: string;
  acquired_at: Date;
  lease_until: Date;
}

export function toLock(row: LockRow): ServiceLock {
  return {
    host: row.host,
    service: row.service,
    owner: row.owner,
    purpose: row.purpose,
    instanceId: row.instance_id,
    acquiredAt: row.acquired_at,
    leaseUntil: row.lease_until,
  };
}

export function createLocksRepo(db: Db, instanceId: string): LocksRepo {
  const repo: LocksRepo = {
    async acquire({ host, service, owner, purpose, leaseMs }) {
      // Free, expired, or ours (same owner, same instance): the upsert takes it. Held by someone else: the
      // WHERE leaves it alone and nothing is returned.
      const [row] = await db.query<LockRow>(
        `INSERT INTO locks (host, service, owner, purpose, instance_id, lease_until)
         VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
         ON CONFLICT (host, service) DO UPDATE
            SET owner = EXCLUDED.owner, purpose = EXCLUDED.purpose, instance_id = EXCLUDED.instance_id,
                lease_until = EXCLUDED.lease_until,
                acquired_at = CASE WHEN locks.lease_until > now() THEN locks.acquired_at ELSE now() END
          WHERE locks.lease_until <= now()
             OR (locks.owner = EXCLUDED.owner AND locks.instance_id = EXCLUDED.instance_id)
         RETURNING *`,
        [host, service, owner, purpose ?? null, instanceId, leaseMs],
      );
      if (row) return { acquired: true, lock: toLock(row) };
      const holder = await repo.get(host, service);
      // Released between our attempt and our read: try once more rather than report a ghost.
      if (!holder) return repo.acquire({ host, service, owner, purpose, leaseMs });
      return { acquired: false, heldBy: holder };
    },
    async renew(host, service, owner, leaseMs) {
      const rows = await db.query(
        `UPDATE locks SET lease_until = now() + $4 * interval '1 millisecond'
          WHERE host = $1 AND service = $2 AND owner = $3 RETURNING 1`,
        [host, service, owner, leaseMs],
      );
      return rows.length === 1;
    },
    async release(host, service, owner) {
      const rows = await db.query('DELETE FROM locks WHERE host = $1 AND service = $2 AND owner = $3 RETURNING 1', [
        host,
        service,
        owner,
      ]);
      return rows.length === 1;
    },
    async get(host, service) {
      const [row] = await db.query<LockRow>('SELECT * FROM locks WHERE host = $1 AND service = $2', [host, service]);
      return row && toLock(row);
    },
    async withLock(request, fn) {
      const deadline = Date.now() + (request.waitMs ?? 0);
      let attempt = await repo.acquire(request);
      let pause = 50;
      while (!attempt.acquired && Date.now() < deadline) {
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
        pause = Math.min(pause * 2, 1_000);
        attempt = await repo.acquire(request);
      }
      if (!attempt.acquired) {
        const held = attempt.heldBy;
        throw new RecioError(
          ErrorCode.Locked,
          `${held.service} on ${held.host} is busy: ${held.owner}` +
            `${held.purpose ? ` (${held.purpose})` : ''} since ${held.acquiredAt.toISOString()}`,
          {
            host: held.host,
            service: held.service,
            heldBy: held.owner,
            since: held.acquiredAt,
            leaseUntil: held.leaseUntil,
          },
        );
      }
      const controller = new AbortController();
      const renewal = setInterval(
        () => {
          repo.renew(request.host, request.service, request.owner, request.leaseMs).then(
            (ok) =>
              ok ||
              controller.abort(new RecioError(ErrorCode.Locked, `lost the lock on ${request.host}/${request.service}`)),
            // The store being briefly unreachable is not losing the lock; the lease covers the gap.
            () => undefined,
          );
        },
        Math.max(100, Math.floor(request.leaseMs / 3)),
      );
      renewal.unref();
      try {
        return await fn(controller.signal);
      } finally {
        clearInterval(renewal);
        await repo.release(request.host, request.service, request.owner).catch(() => undefined);
      }
    },
  };
  return repo;
}
