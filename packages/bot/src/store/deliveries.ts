import type { Db } from './db.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** What a delivery key is for: a Slack event or command delivery, a button click, a CLI request. */
export type DeliveryKind = 'event' | 'command' | 'action' | 'view' | 'cli' | (string & {});

/** The answer to "have we seen this delivery before?". */
export type DeliveryClaim =
  | { claimed: true; key: string; firstSeenAt: Date }
  | { claimed: false; key: string; firstSeenAt: Date; seenBy: string | null; outcome: string | null };

export interface DeliveriesRepo {
  /**
   * Records the key once. Exactly one caller, across retries and replicas, gets `claimed: true`
   * and acts; the others learn when it was first seen, by whom, and its outcome if recorded.
   */
  claim(key: string, kind: DeliveryKind): Promise<DeliveryClaim>;
  /** Notes what came of a claimed delivery, for the duplicates that arrive later. */
  setOutcome(key: string, outcome: string): Promise<void>;
  /** Forgets keys first seen before `before` (Slack stops retrying after minutes); returns how many. */
  prune(before: Date): Promise<number>;
}

interface Row {
  key: string;
  first_seen_at: Date;
  seen_by: string | null;
  outcome: string | null;
  inserted: boolean;
}

export function createDeliveriesRepo(db: Db, instanceId: string): DeliveriesRepo {
  return {
    async claim(key, kind) {
      // Fresh keys are the common case and take one round trip; a duplicate takes a second one to
      // say who saw it first. (A CTE doing both in one statement measured half as fast.)
      const [inserted] = await db.query<Row>(
        `INSERT INTO deliveries (key, kind, seen_by) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO NOTHING
         RETURNING key, first_seen_at, seen_by, outcome, true AS inserted`,
        [key, kind, instanceId],
      );
      if (inserted) return toClaim(inserted);
      // ON CONFLICT waited for the winner to commit, so this new statement sees its row.
      const [existing] = await db.query<Row>(
        'SELECT key, first_seen_at, seen_by, outcome, false AS inserted FROM deliveries WHERE key = $1',
        [key],
      );
      if (!existing) throw new RecioError(ErrorCode.Internal, `delivery ${key} conflicted but cannot be read`);
      return toClaim(existing);
    },
    async setOutcome(key, outcome) {
      await db.query('UPDATE deliveries SET outcome = $2 WHERE key = $1', [key, outcome]);
    },
    async prune(before) {
      const rows = await db.query('DELETE FROM deliveries WHERE first_seen_at < $1 RETURNING 1', [before]);
      return rows.length;
    },
  };
}

function toClaim(row: Row): DeliveryClaim {
  if (row.inserted) return { claimed: true, key: row.key, firstSeenAt: row.first_seen_at };
  return { claimed: false, key: row.key, firstSeenAt: row.first_seen_at, seenBy: row.seen_by, outcome: row.outcome };
}
