import type { ActorId, JsonObject } from '../domain/index.js';
import type { Repos } from '../store/index.js';

/** An audit row for a transition someone decided (a request, an approval, a step that ran). */
export interface TransitionAudit {
  action: string;
  target: string;
  outcome: string;
  detail?: JsonObject;
  requestId?: string | null;
  /** Who the audit row names, when it is not the transition's actor (a step runs for its requester). */
  actor?: ActorId;
}

/**
 * What one transition leaves behind: a timeline entry (what happened, for the thread and the
 * report), an audit row when someone decided something, and what Slack is told (outbox rows).
 */
export interface TransitionRecord {
  actor: ActorId;
  runId?: string | null;
  stepId?: string | null;
  incidentId?: string | null;
  kind: string;
  text: string;
  detail?: JsonObject;
  audit?: TransitionAudit;
  /** Outbox rows (a message posted or updated), written in the same transaction. */
  tell?: ReadonlyArray<(tx: Repos) => Promise<void>>;
}

/**
 * Writes a transition's timeline entry, audit row and messages in the caller's transaction, beside
 * the state change itself: a crash leaves all of them or none, and no transition forgets one.
 */
export async function recordTransition(tx: Repos, record: TransitionRecord): Promise<void> {
  await tx.timeline.add({
    runId: record.runId ?? null,
    stepId: record.stepId ?? null,
    incidentId: record.incidentId ?? null,
    actor: record.actor,
    kind: record.kind,
    text: record.text,
    detail: record.detail ?? {},
  });
  if (record.audit) {
    await tx.audit.append({
      actor: record.audit.actor ?? record.actor,
      action: record.audit.action,
      target: record.audit.target,
      outcome: record.audit.outcome,
      detail: record.audit.detail ?? {},
      requestId: record.audit.requestId ?? null,
    });
  }
  for (const tell of record.tell ?? []) await tell(tx);
}
