import type { JsonObject } from './json.js';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired';

/** Exactly what an approval allows: this action, on this host, with these params — nothing else. */
export interface ApprovalBinding {
  host: string;
  action: string;
  params: JsonObject;
}

/** A request for a second person to allow one dangerous step. */
export interface Approval {
  /** Opaque and unguessable; safe to put in a Slack button value. */
  id: string;
  runId: string;
  stepId: string;
  requestedBy: string;
  /** The role the approver must hold (checked by the caller, which knows the roles). */
  requiredRole: string | null;
  bindingHash: string;
  state: ApprovalState;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  createdAt: Date;
  expiresAt: Date;
  /** When its message first offered "Break glass" (null: not yet, or break-glass is off). */
  breakGlassOfferedAt: Date | null;
}
