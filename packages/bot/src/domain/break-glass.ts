/**
 * A break-glass: the requester of a dangerous step ran it alone after its approval waited too long
 * (3 a.m., no second lead_operator). It stays open — "needs review" — until a security_officer or
 * another lead_operator reviews it with a note.
 */
export interface BreakGlass {
  /** Opaque and unguessable (`bg_…`); safe in a Slack button value. */
  id: string;
  approvalId: string;
  runId: string;
  stepId: string;
  incidentId: string | null;
  brokenBy: string;
  /** Why, in the breaker's words (at least `MIN_BREAK_GLASS_REASON` characters). */
  reason: string;
  /** What the breaker typed to name the target (the tag, the dump's date, the host). */
  typedTarget: string;
  brokenAt: Date;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
}

/** A reason or a review note shorter than this is refused: "ok", "urgent" or "." explain nothing. */
export const MIN_BREAK_GLASS_TEXT = 20;

/** The mark a run, an incident and a report carry until the review. */
export const NEEDS_REVIEW = 'break-glass — needs review';
