import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Db } from './db.js';
import { LOCK_AUDIT_CHAIN, LOCK_CLASS } from './lock-keys.js';
import type { JsonObject } from '../domain/json.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** The hash a chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);

/** What happened, by whom, to what — as given to `append`. */
export interface AuditInput {
  /** A Slack user id, `system`, or `cli:<unix user>`. */
  actor: string;
  /** A dotted verb, e.g. `step.executed`, `approval.decided`, `incident.opened`. */
  action: string;
  /** What it was done to, e.g. `run:<id>`, `app1/trade_executor`. */
  target?: string | null;
  /** e.g. `ok`, `denied`, `failed`, `unknown`. */
  outcome?: string | null;
  detail?: JsonObject;
  /** The Slack delivery or CLI invocation that caused it, to join the log with other logs. */
  requestId?: string | null;
}

/** One row of the append-only audit log, with its place in the hash chain. */
export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  outcome: string | null;
  detail: JsonObject;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditRepo {
  /** Appends one entry; inside a transaction it commits (or vanishes) with the change it records. */
  append(input: AuditInput): Promise<AuditEntry>;
  /** Entries in chain order, after `afterId`, optionally for one target or action. */
  list(filter?: { afterId?: number; target?: string; action?: string; limit?: number }): Promise<AuditEntry[]>;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  outcome: string | null;
  detail: JsonObject;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The hash of a row: SHA-256 over the previous hash and the row's own content, serialised with
 * sorted keys. The id is part of it, so rows cannot be reordered; `at` is kept to the
 * millisecond so it reads back exactly as it was hashed.
 */
export function auditHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return sha256Hex(
    canonicalJson([
      prevHash,
      entry.id,
      entry.at.toISOString(),
      entry.actor,
      entry.action,
      entry.target,
      entry.outcome,
      entry.detail,
      entry.requestId,
    ]),
  );
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    detail: row.detail,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function createAuditRepo(db: Db): AuditRepo {
  return {
    append(input) {
      return db.transaction(async (tx) => {
        // Serialises appends until commit: the previous row we read is the one committed last,
        // and no one else can take the next id in between.
        await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, LOCK_AUDIT_CHAIN]);
        const [head] = await tx.query<{ id: string; at: Date; prev: string | null }>(
          `SELECT nextval('audit_log_id_seq') AS id, date_trunc('milliseconds', clock_timestamp()) AS at,
                  (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS prev`,
        );
        if (!head) throw new RecioError(ErrorCode.Internal, 'audit: no sequence value');
        const prevHash = head.prev ?? GENESIS_HASH;
        const content = {
          id: Number(head.id),
          at: head.at,
          actor: input.actor,
          action: input.action,
          target: input.target ?? null,
          outcome: input.outcome ?? null,
          // Through JSON once, so what we hash is what jsonb will hand back (no undefined, no Dates).
          detail: JSON.parse(JSON.stringify(input.detail ?? {})) as JsonObject,
          requestId: input.requestId ?? null,
        };
        const hash = auditHash(prevHash, content);
        await tx.query(
          `INSERT INTO audit_log (id, at, actor, action, target, outcome, detail, request_id, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
          [
            content.id,
            content.at,
            content.actor,
            content.action,
            content.target,
            content.outcome,
            JSON.stringify(content.detail),
            content.requestId,
            prevHash,
            hash,
          ],
        );
        return { ...content, prevHash, hash };
      });
    },
    async list(filter = {}) {
      const rows = await db.query<AuditRow>(
        `SELECT * FROM audit_log
          WHERE id > $1 AND ($2::text IS NULL OR target = $2) AND ($3::text IS NULL OR action = $3)
          ORDER BY id LIMIT $4`,
        [filter.afterId ?? 0, filter.target ?? null, filter.action ?? null, filter.limit ?? 100],
      );
      return rows.map(toAuditEntry);
    },
  };
}
