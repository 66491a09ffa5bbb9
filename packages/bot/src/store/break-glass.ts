import { randomBytes } from 'node:crypto';
import { bindingHash, toApproval, type ApprovalRow } from './approvals.js';
import type { Db } from './db.js';
import { isUuid } from './ids.js';
import type { Approval, ApprovalBinding, BreakGlass } from '../domain/index.js';

/** Why a break was not recorded, as the one conditional update found the approval. */
export type BreakRefusal = 'unknown' | 'not_waiting' | 'expired' | 'too_early' | 'not_requester' | 'mismatch';

export type BreakResult =
  | { ok: true; breakGlass: BreakGlass; approval: Approval }
  | { ok: false; reason: BreakRefusal; approval?: Approval; existing?: BreakGlass; availableAt?: Date };

export type ReviewResult =
  | { ok: true; breakGlass: BreakGlass }
  | { ok: false; reason: 'unknown' | 'already_reviewed' | 'own_break'; breakGlass?: BreakGlass };

export interface BreakGlassRepo {
  /**
   * Pending approvals that have waited `afterMs` and were not offered yet: marks them offered and
   * returns them, so their messages show "Break glass" once.
   */
  offerDue(afterMs: number): Promise<Approval[]>;
  /**
   * Approves the approval for its own requester and records the break, in one conditional update
   * checked against the database's clock (never the button's): pending, not expired, waited
   * `afterMs`, asked by `by`, bound to exactly `binding`. A second submission finds it decided.
   */
  breakGlass(input: {
    approvalId: string;
    by: string;
    afterMs: number;
    binding: ApprovalBinding;
    reason: string;
    typedTarget: string;
    incidentId: string | null;
  }): Promise<BreakResult>;
  /** Records the review once; never by the breaker. */
  review(input: { id: string; by: string; note: string }): Promise<ReviewResult>;
  get(id: string): Promise<BreakGlass | undefined>;
  forApproval(approvalId: string): Promise<BreakGlass | undefined>;
  forRun(runId: string): Promise<BreakGlass[]>;
  forIncident(incidentId: string): Promise<BreakGlass[]>;
  /** Every break not reviewed yet, oldest first. */
  unreviewed(): Promise<BreakGlass[]>;
}

const ID_PATTERN = /^bg_[A-Za-z0-9_-]{22}$/;
const APPROVAL_ID = /^apr_[A-Za-z0-9_-]{22}$/;

interface BreakGlassRow {
  id: string;
  approval_id: string;
  run_id: string;
  step_id: string;
  incident_id: string | null;
  broken_by: string;
  reason: string;
  typed_target: string;
  broken_at: Date;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
}

function toBreakGlass(row: BreakGlassRow): BreakGlass {
  return {
    id: row.id,
    approvalId: row.approval_id,
    runId: row.run_id,
    stepId: row.step_id,
    incidentId: row.incident_id,
    brokenBy: row.broken_by,
    reason: row.reason,
    typedTarget: row.typed_target,
    brokenAt: row.broken_at,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at,
    reviewNote: row.review_note,
  };
}

export function createBreakGlassRepo(db: Db): BreakGlassRepo {
  const one = async (sql: string, values: unknown[]) => {
    const [row] = await db.query<BreakGlassRow>(sql, values);
    return row && toBreakGlass(row);
  };
  const many = async (sql: string, values: unknown[] = []) =>
    (await db.query<BreakGlassRow>(sql, values)).map(toBreakGlass);

  return {
    async offerDue(afterMs) {
      const rows = await db.query<ApprovalRow>(
        `UPDATE approvals SET break_glass_offered_at = now()
          WHERE state = 'pending' AND break_glass_offered_at IS NULL AND expires_at > now()
            AND created_at <= now() - $1 * interval '1 millisecond'
            AND EXISTS (SELECT 1 FROM runs r WHERE r.id = approvals.run_id
                          AND r.state IN ('pending', 'running', 'awaiting_approval'))
          RETURNING *`,
        [afterMs],
      );
      return rows.map(toApproval);
    },

    breakGlass({ approvalId, by, afterMs, binding, reason, typedTarget, incidentId }) {
      if (!APPROVAL_ID.test(approvalId)) return Promise.resolve({ ok: false, reason: 'unknown' });
      return db.transaction(async (tx): Promise<BreakResult> => {
        // Every rule in one conditional UPDATE: two submissions, or two replicas, cannot both win.
        const [row] = await tx.query<ApprovalRow>(
          `UPDATE approvals SET state = 'approved', decided_by = $2, decided_at = now(), reason = 'break-glass'
            WHERE id = $1 AND state = 'pending' AND expires_at > now() AND binding_hash = $3
              AND requested_by = $2 AND created_at <= now() - $4 * interval '1 millisecond'
              AND EXISTS (SELECT 1 FROM run_steps s WHERE s.id = approvals.step_id AND s.state = 'awaiting_approval')
              -- A cancelled run leaves its step waiting: the run must still be going too.
              AND EXISTS (SELECT 1 FROM runs r WHERE r.id = approvals.run_id
                            AND r.state IN ('pending', 'running', 'awaiting_approval'))
            RETURNING *`,
          [approvalId, by, bindingHash(binding), afterMs],
        );
        if (row) {
          const [made] = await tx.query<BreakGlassRow>(
            `INSERT INTO break_glass (id, approval_id, run_id, step_id, incident_id, broken_by, reason, typed_target)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
            [
              `bg_${randomBytes(16).toString('base64url')}`,
              approvalId,
              row.run_id,
              row.step_id,
              incidentId,
              by,
              reason,
              typedTarget,
            ],
          );
          return { ok: true, breakGlass: toBreakGlass(made!), approval: toApproval(row) };
        }
        // Nothing changed: say why. This read is only for the answer; the break above was atomic.
        const [current] = await tx.query<ApprovalRow & { early: boolean; available_at: Date }>(
          `SELECT *, expires_at <= now() AS expired_now,
                  created_at > now() - $2 * interval '1 millisecond' AS early,
                  created_at + $2 * interval '1 millisecond' AS available_at
             FROM approvals WHERE id = $1`,
          [approvalId, afterMs],
        );
        if (!current) return { ok: false, reason: 'unknown' };
        const approval = toApproval(current);
        if (current.state !== 'pending') {
          const existing = await one('SELECT * FROM break_glass WHERE approval_id = $1', [approvalId]);
          const reason = current.state === 'expired' ? 'expired' : 'not_waiting';
          return { ok: false, reason, approval, ...(existing ? { existing } : {}) };
        }
        if (current.expired_now) return { ok: false, reason: 'expired', approval };
        if (current.requested_by !== by) return { ok: false, reason: 'not_requester', approval };
        if (current.binding_hash !== bindingHash(binding)) return { ok: false, reason: 'mismatch', approval };
        if (current.early) return { ok: false, reason: 'too_early', approval, availableAt: current.available_at };
        return { ok: false, reason: 'not_waiting', approval };
      });
    },

    async review({ id, by, note }) {
      if (!ID_PATTERN.test(id)) return { ok: false, reason: 'unknown' };
      const reviewed = await one(
        `UPDATE break_glass SET reviewed_by = $2, reviewed_at = now(), review_note = $3
          WHERE id = $1 AND reviewed_at IS NULL AND broken_by <> $2 RETURNING *`,
        [id, by, note],
      );
      if (reviewed) return { ok: true, breakGlass: reviewed };
      const current = await one('SELECT * FROM break_glass WHERE id = $1', [id]);
      if (current === undefined) return { ok: false, reason: 'unknown' };
      return { ok: false, reason: current.reviewedAt ? 'already_reviewed' : 'own_break', breakGlass: current };
    },

    get: (id) =>
      ID_PATTERN.test(id) ? one('SELECT * FROM break_glass WHERE id = $1', [id]) : Promise.resolve(undefined),
    forApproval: (approvalId) =>
      APPROVAL_ID.test(approvalId)
        ? one('SELECT * FROM break_glass WHERE approval_id = $1', [approvalId])
        : Promise.resolve(undefined),
    forRun: (runId) =>
      isUuid(runId)
        ? many('SELECT * FROM break_glass WHERE run_id = $1 ORDER BY broken_at', [runId])
        : Promise.resolve([]),
    forIncident: (incidentId) =>
      isUuid(incidentId)
        ? many('SELECT * FROM break_glass WHERE incident_id = $1 ORDER BY broken_at', [incidentId])
        : Promise.resolve([]),
    unreviewed: () => many('SELECT * FROM break_glass WHERE reviewed_at IS NULL ORDER BY broken_at'),
  };
}
