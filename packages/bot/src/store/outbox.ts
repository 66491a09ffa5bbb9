import type { Db } from './db.js';
import type { Json, JsonObject } from '../domain/json.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

export type OutboxKind = 'post' | 'update' | 'ephemeral' | 'delete' | 'upload';
export type OutboxState = 'pending' | 'sent' | 'failed' | 'superseded';

/**
 * What to say. The store does not know Block Kit: `text` is the plain fallback, `blocks` are
 * ready-made if the caller has them, and `event` lets the publisher render from typed data.
 */
export interface OutboxPayload {
  text: string;
  blocks?: Json[];
  event?: JsonObject;
  [key: string]: Json | undefined;
}

/** A message to post to (or change in) Slack, written in the same transaction as the change it tells. */
export interface OutboxMessage {
  id: number;
  dedupeKey: string;
  channel: string;
  kind: OutboxKind;
  /** The thread to post in: given at enqueue, or resolved from `threadOf` once that post was sent. */
  threadTs: string | null;
  threadOf: string | null;
  /** For update/delete: the dedupe key of the post to change, and its ts once known. */
  updateOf: string | null;
  targetTs: string | null;
  userId: string | null;
  payload: OutboxPayload;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  slackTs: string | null;
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface EnqueueInput {
  /** Makes a retried state change enqueue its message once, e.g. `run:<id>:step:2:done`. */
  dedupeKey: string;
  channel: string;
  kind: OutboxKind;
  payload: OutboxPayload;
  threadTs?: string | null;
  threadOf?: string | null;
  updateOf?: string | null;
  /** The user an ephemeral message is shown to. */
  userId?: string | null;
}

export interface OutboxRepo {
  /**
   * Adds a message once per dedupe key. A newer update of the same message supersedes pending older ones
   * (coalescing).
   */
  enqueue(input: EnqueueInput): Promise<{ message: OutboxMessage; created: boolean }>;
  /**
   * Takes up to `limit` due messages for this sender: at most one per channel, the oldest pending
   * one (Slack threads must read in order, and Slack allows ~1 message/s per channel). An update or
   * delete put off to a later time (waiting for Slack's chat.update budget) does not hold up the
   * rest of its channel: it changes a message already there, so it has no place in the order.
   * Claimed rows are hidden from other senders for `leaseMs`; a sender that dies mid-send leaves
   * them to be retried.
   */
  claimDue(options: { limit: number; leaseMs: number; sender: string }): Promise<OutboxMessage[]>;
  /** Records the ts Slack returned; false if the row was superseded or already marked meanwhile. */
  markSent(id: number, slackTs: string | null): Promise<boolean>;
  /**
   * Schedules a retry (at `retryAt`, e.g. Slack's Retry-After, or with backoff) or, when permanent or out of
   * attempts, marks it failed.
   */
  markFailed(
    id: number,
    error: string,
    options?: { retryAt?: Date; permanent?: boolean; maxAttempts?: number },
  ): Promise<OutboxMessage | undefined>;
  getByDedupeKey(key: string): Promise<OutboxMessage | undefined>;
}

interface OutboxRow {
  id: string;
  dedupe_key: string;
  channel: string;
  kind: OutboxKind;
  thread_ts: string | null;
  thread_of: string | null;
  update_of: string | null;
  target_ts?: string | null;
  resolved_thread_ts?: string | null;
  user_id: string | null;
  payload: OutboxPayload;
  state: OutboxState;
  attempts: number;
  next_attempt_at: Date;
  slack_ts: string | null;
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
  inserted?: boolean;
}

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: Number(row.id),
    dedupeKey: row.dedupe_key,
    channel: row.channel,
    kind: row.kind,
    threadTs: row.thread_ts ?? row.resolved_thread_ts ?? null,
    threadOf: row.thread_of,
    updateOf: row.update_of,
    targetTs: row.target_ts ?? null,
    userId: row.user_id,
    payload: row.payload,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    slackTs: row.slack_ts,
    error: row.error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

// Resolves the thread and target ts from the referenced posts at read time.
const RESOLVED = `o.*,
  (SELECT p.slack_ts FROM outbox p WHERE p.dedupe_key = o.thread_of) AS resolved_thread_ts,
  (SELECT p.slack_ts FROM outbox p WHERE p.dedupe_key = o.update_of) AS target_ts`;

const MAX_ATTEMPTS = 8;

export function createOutboxRepo(db: Db): OutboxRepo {
  return {
    enqueue(input) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<OutboxRow>(
          `INSERT INTO outbox (dedupe_key, channel, kind, payload, thread_ts, thread_of, update_of, user_id)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
           ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
          [
            input.dedupeKey,
            input.channel,
            input.kind,
            JSON.stringify(input.payload),
            input.threadTs ?? null,
            input.threadOf ?? null,
            input.updateOf ?? null,
            input.userId ?? null,
          ],
        );
        if (!row) {
          const [existing] = await tx.query<OutboxRow>(`SELECT ${RESOLVED} FROM outbox o WHERE o.dedupe_key = $1`, [
            input.dedupeKey,
          ]);
          if (!existing)
            throw new RecioError(ErrorCode.Internal, `outbox ${input.dedupeKey} conflicted but cannot be read`);
          return { message: toMessage(existing), created: false };
        }
        if (input.kind === 'update' && input.updateOf) {
          // Only the latest rendering of a message matters; older pending ones need not be sent.
          await tx.query(
            `UPDATE outbox SET state = 'superseded'
              WHERE update_of = $1 AND kind = 'update' AND state = 'pending' AND id < $2`,
            [input.updateOf, row.id],
          );
        }
        return { message: toMessage(row), created: true };
      });
    },

    async claimDue({ limit, leaseMs, sender }) {
      const rows = await db.query<OutboxRow>(
        `WITH heads AS (
           SELECT DISTINCT ON (channel) id FROM outbox
            WHERE state = 'pending' AND NOT (kind IN ('update', 'delete') AND next_attempt_at > now())
            ORDER BY channel, id
         ), picked AS (
           SELECT o.id FROM outbox o JOIN heads h ON h.id = o.id
            WHERE o.next_attempt_at <= now()
            ORDER BY o.id LIMIT $1
            FOR UPDATE OF o SKIP LOCKED
         )
         UPDATE outbox o SET attempts = o.attempts + 1, claimed_by = $3,
                next_attempt_at = now() + $2 * interval '1 millisecond'
           FROM picked WHERE o.id = picked.id
         RETURNING ${RESOLVED}`,
        [limit, leaseMs, sender],
      );
      return rows.map(toMessage).sort((a, b) => a.id - b.id);
    },

    async markSent(id, slackTs) {
      const rows = await db.query(
        `UPDATE outbox SET state = 'sent', slack_ts = $2, sent_at = now(), error = NULL
         WHERE id = $1 AND state = 'pending' RETURNING 1`,
        [id, slackTs],
      );
      return rows.length === 1;
    },

    async markFailed(id, error, options = {}) {
      const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
      // Backoff 2^attempts seconds, capped at 5 minutes, unless Slack said when to come back.
      const [row] = await db.query<OutboxRow>(
        `UPDATE outbox SET error = $2,
                state = CASE WHEN $3 OR attempts >= $4 THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE($5, now() + LEAST(power(2, attempts), 300) * interval '1 second')
          WHERE id = $1 AND state = 'pending'
          RETURNING *`,
        [id, error.slice(0, 2_000), options.permanent ?? false, maxAttempts, options.retryAt ?? null],
      );
      return row && toMessage(row);
    },

    async getByDedupeKey(key) {
      const [row] = await db.query<OutboxRow>(`SELECT ${RESOLVED} FROM outbox o WHERE o.dedupe_key = $1`, [key]);
      return row && toMessage(row);
    },
  };
}
