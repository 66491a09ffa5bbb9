import { randomBytes } from 'node:crypto';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Db } from './db.js';
import { isUuid } from './ids.js';
import type { Approval, ApprovalBinding, ApprovalState } from '../domain/approval.js';
import type { JsonObject } from '../domain/json.js';

export interface ApprovalsRepo {
  /**
   * Opens an approval bound to the step's host, action and params; a still-pending one for the step is
   * returned as is.
   */
  request(input: {
    stepId: string;
    requestedBy: string;
    ttlMs: number;
    requiredRole?: string | null;
  }): Promise<Approval>;
  /**
   * Records one decision. Refuses, with a RecioError: `not_found` (unknown or malformed id),
   * `approval_decided` (context: state, decidedBy, decidedAt), `approval_expired`,
   * `approval_mismatch` (the binding is not what was approved), `self_approval`.
   */
  decide(input: {
    id: string;
    by: string;
    decision: 'approved' | 'denied';
    binding: ApprovalBinding;
    reason?: string | null;
  }): Promise<Approval>;
  get(id: string): Promise<Approval | undefined>;
  /** The approved approval that allows exactly this binding for the step, if any: check it just before running. */
  approvedFor(stepId: string, binding: ApprovalBinding): Promise<Approval | undefined>;
  /** Marks overdue pending approvals expired and returns them, so their Slack messages can say so. */
  expireDue(): Promise<Approval[]>;
}

const ID_PATTERN = /^apr_[A-Za-z0-9_-]{22}$/;

export function bindingHash(binding: ApprovalBinding): string {
  return sha256Hex(canonicalJson({ host: binding.host, action: binding.action, params: binding.params }));
}

export interface ApprovalRow {
  id: string;
  run_id: string;
  step_id: string;
  requested_by: string;
  required_role: string | null;
  binding_hash: string;
  state: ApprovalState;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  created_at: Date;
  expires_at: Date;
  break_glass_offered_at: Date | null;
  expired_now?: boolean;
}

export function toApproval(row: ApprovalRow): Approval {
  return {
    id: row.id,
    runId: row.run_id,
    stepId: row.step_id,
    requestedBy: row.requested_by,
    requiredRole: row.required_role,
    bindingHash: row.binding_hash,
    state: row.state,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    breakGlassOfferedAt: row.break_glass_offered_at,
  };
}

export function createApprovalsRepo(db: Db): ApprovalsRepo {
  const get = async (id: string): Promise<ApprovalRow | undefined> => {
    if (!ID_PATTERN.test(id)) return undefined;
    const [row] = await db.query<ApprovalRow>(
      'SELECT *, expires_at <= now() AS expired_now FROM approvals WHERE id = $1',
      [id],
    );
    return row;
  };

  return {
    request({ stepId, requestedBy, ttlMs, requiredRole }) {
      if (!isUuid(stepId)) return Promise.reject(new RecioError(ErrorCode.NotFound, `no step ${stepId}`, { stepId }));
      return db.transaction(async (tx) => {
        const [step] = await tx.query<{ run_id: string; host: string; action: string; params: JsonObject }>(
          'SELECT run_id, host, action, params FROM run_steps WHERE id = $1 FOR UPDATE',
          [stepId],
        );
        if (!step) throw new RecioError(ErrorCode.NotFound, `no step ${stepId}`, { stepId });
        await tx.query(
          `UPDATE approvals SET state = 'expired' WHERE step_id = $1 AND state = 'pending' AND expires_at <= now()`,
          [stepId],
        );
        const [existing] = await tx.query<ApprovalRow>(
          `SELECT * FROM approvals WHERE step_id = $1 AND state = 'pending'`,
          [stepId],
        );
        if (existing) return toApproval(existing);
        const id = `apr_${randomBytes(16).toString('base64url')}`;
        const [row] = await tx.query<ApprovalRow>(
          `INSERT INTO approvals (id, run_id, step_id, requested_by, required_role, binding_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond') RETURNING *`,
          [id, step.run_id, stepId, requestedBy, requiredRole ?? null, bindingHash(step), ttlMs],
        );
        if (!row) throw new RecioError(ErrorCode.Internal, 'approval insert returned nothing');
        return toApproval(row);
      });
    },

    async decide({ id, by, decision, binding, reason }) {
      const hash = bindingHash(binding);
      if (ID_PATTERN.test(id)) {
        // Every rule in one conditional UPDATE: two clicks, or two approvers, cannot both win.
        const [row] = await db.query<ApprovalRow>(
          `UPDATE approvals SET state = $3, decided_by = $2, decided_at = now(), reason = $5
            WHERE id = $1 AND state = 'pending' AND expires_at > now() AND binding_hash = $4
              AND ($3 = 'denied' OR requested_by <> $2)
            RETURNING *`,
          [id, by, decision, hash, reason ?? null],
        );
        if (row) return toApproval(row);
      }
      // Nothing changed: say why. This read is only for the message; the decision above was atomic.
      const current = await get(id);
      if (!current)
        throw new RecioError(ErrorCode.NotFound, 'unknown approval (it may have been tampered with)', {
          approvalId: id,
        });
      const context = { runId: current.run_id, stepId: current.step_id, approvalId: id };
      if (current.state !== 'pending') {
        throw new RecioError(
          current.state === 'expired' ? ErrorCode.ApprovalExpired : ErrorCode.ApprovalDecided,
          current.state === 'expired'
            ? `this approval expired at ${current.expires_at.toISOString()}`
            : `already ${current.state} by ${current.decided_by} at ${current.decided_at?.toISOString()}`,
          { ...context, state: current.state, decidedBy: current.decided_by, decidedAt: current.decided_at },
        );
      }
      if (current.expired_now) {
        await db.query(
          `UPDATE approvals SET state = 'expired' WHERE id = $1 AND state = 'pending' AND expires_at <= now()`,
          [id],
        );
        throw new RecioError(
          ErrorCode.ApprovalExpired,
          `this approval expired at ${current.expires_at.toISOString()}`,
          { ...context, state: 'expired' },
        );
      }
      if (current.binding_hash !== hash) {
        throw new RecioError(
          ErrorCode.ApprovalMismatch,
          'the step no longer matches what was put up for approval (host, action or params changed)',
          context,
        );
      }
      if (decision === 'approved' && current.requested_by === by) {
        throw new RecioError(ErrorCode.SelfApproval, 'a second person must approve this; you requested it', context);
      }
      throw new RecioError(ErrorCode.ApprovalDecided, 'the approval changed while deciding; look again', context);
    },

    async get(id) {
      const row = await get(id);
      return row && toApproval(row);
    },

    async approvedFor(stepId, binding) {
      if (!isUuid(stepId)) return undefined;
      const [row] = await db.query<ApprovalRow>(
        `SELECT * FROM approvals WHERE step_id = $1 AND state = 'approved' AND binding_hash = $2
         ORDER BY decided_at DESC LIMIT 1`,
        [stepId, bindingHash(binding)],
      );
      return row && toApproval(row);
    },

    async expireDue() {
      const rows = await db.query<ApprovalRow>(
        `UPDATE approvals SET state = 'expired' WHERE state = 'pending' AND expires_at <= now() RETURNING *`,
      );
      return rows.map(toApproval);
    },
  };
}
