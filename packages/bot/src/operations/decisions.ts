import { isRecioError } from '@recio/protocol/errors';
import type { Access } from '../access/access.js';
import type { Actor, Origin } from '../domain/index.js';
import { bindingOf, type RunEngine } from '../runbooks/engine.js';
import { approvalPostKey, updateThreadMessage } from '../runbooks/run-notices.js';
import { recordTransition } from '../runbooks/transition.js';
import type { Store } from '../store/index.js';
import { cutShortWait } from './cut-short.js';
import type { Answer } from './types.js';

const when = (date: unknown) =>
  date instanceof Date ? `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'earlier';

/** Why a decision was refused, in the words the clicking person reads. */
function refusalText(error: unknown): { reason: string; text: string } | undefined {
  if (!isRecioError(error)) return undefined;
  const ctx = error.context as { state?: string; decidedBy?: string; decidedAt?: Date; expiresAt?: Date };
  switch (error.code) {
    case 'self_approval':
      return { reason: 'self_approval', text: 'You asked for this one: a second lead_operator must approve it.' };
    case 'approval_expired':
      return { reason: 'expired', text: `This approval expired (${when(ctx.expiresAt)}). Nothing ran; ask again.` };
    case 'approval_decided':
      return {
        reason: 'already_decided',
        text:
          `Already ${ctx.state ?? 'decided'}` +
          `${ctx.decidedBy ? ` by <@${ctx.decidedBy}>` : ''} at ${when(ctx.decidedAt)}.`,
      };
    case 'approval_mismatch':
      return {
        reason: 'mismatch',
        text:
          'What would run has changed since this was asked, so this approval does not cover it. ' +
          'Nothing ran; ask again.',
      };
    case 'not_found':
      return { reason: 'unknown', text: 'That approval is unknown or no longer exists. Nothing ran.' };
    default:
      return undefined;
  }
}

export interface DecisionsDeps {
  store: Store;
  engine: RunEngine;
  access: Access;
}

/**
 * What people decide about runs: Approve / Deny on an approval, a go-ahead on a gate, Skip, Cancel.
 * Each is role-checked, decided by one conditional update (a double click records one decision),
 * audited when refused, and moves the run on.
 */
export class Decisions {
  constructor(private readonly deps: DecisionsDeps) {}

  /**
   * An Approve or Deny click. The approval is bound to a hash of exactly what will run; an
   * approval past its expiry is expired first, so a late click meets it expired.
   */
  async decideApproval(
    approvalId: string,
    decision: 'approved' | 'denied',
    actor: Actor,
    origin: Origin,
  ): Promise<Answer> {
    const { store, engine, access } = this.deps;
    const denied = await access.authorise(actor, 'approve', `approval:${approvalId}`, origin);
    if (denied) return denied;
    await engine.expireApprovals();
    const approval = await store.approvals.get(approvalId);
    const step = approval && (await store.steps.get(approval.stepId));
    const run = approval && (await store.runs.get(approval.runId));
    if (approval === undefined || step === undefined || run === undefined) {
      await access.auditRefusal(actor.id, `approval:${approvalId.slice(0, 40)}`, 'unknown', origin);
      return { type: 'text', text: 'That approval is unknown or no longer exists. Nothing ran.' };
    }
    try {
      await store.withTransaction(async (tx) => {
        const decided = await tx.approvals.decide({ id: approvalId, by: actor.id, decision, binding: bindingOf(step) });
        const text = `${step.title}: ${decision} by ${actor.id}`;
        await recordTransition(tx, {
          actor: actor.id,
          runId: run.id,
          stepId: step.id,
          incidentId: run.incidentId,
          kind: `approval_${decision}`,
          text,
          detail: { approvalId },
          audit: {
            action: 'approval.decided',
            target: `run:${run.id}`,
            outcome: decided.state,
            detail: {
              approval: approvalId,
              step: step.title,
              host: step.host,
              action: step.action,
              params: step.params,
              surface: origin.surface,
              // A terminal user mapped to this Slack id (RECIO_CLI_USERS): who sat at the keyboard.
              ...(actor.via ? { via: actor.via } : {}),
            },
            requestId: origin.requestId,
          },
          tell: [
            (t) =>
              updateThreadMessage(t, run, approvalPostKey(approvalId), 'decided', text, {
                type: 'approval',
                approvalId,
              }),
          ],
        });
      });
    } catch (error) {
      const refusal = refusalText(error);
      if (refusal === undefined) throw error;
      await access.auditRefusal(actor.id, `approval:${approvalId}`, refusal.reason, origin, { decision });
      return { type: 'text', text: refusal.text };
    }
    const done = engine.decided(approvalId, run.id, actor.id);
    const text =
      decision === 'approved'
        ? `Approved: ${step.title}. Running it now.`
        : `Denied: ${step.title}. The run stops here.`;
    return { type: 'text', text, driving: { runId: run.id, done } };
  }

  /** A go-ahead on a `confirm` gate, or the checklist's hand-ticked item. */
  async confirmStep(stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const { store, engine, access } = this.deps;
    const denied = await access.authorise(actor, 'operate', `step:${stepId}`, origin);
    if (denied) return denied;
    const step = await store.steps.get(stepId);
    if (step === undefined) {
      await access.auditRefusal(actor.id, `step:${stepId.slice(0, 40)}`, 'unknown', origin);
      return { type: 'text', text: 'That step is unknown. Nothing ran.' };
    }
    const { confirmed } = await engine.confirm(stepId, actor.id, origin.requestId);
    if (!confirmed) {
      await access.auditRefusal(actor.id, `step:${stepId}`, 'not_waiting', origin);
      return { type: 'text', text: `"${step.title}" is not waiting for a go-ahead (it is ${step.state}).` };
    }
    const done = engine.drive(step.runId, actor.id);
    return { type: 'text', text: `Go-ahead recorded: ${step.title}.`, driving: { runId: step.runId, done } };
  }

  /** "Disable auto entry now": ends a retrying step's wait (./cut-short.ts). */
  cutShort(stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return cutShortWait(this.deps, stepId, actor, origin);
  }

  async skipStep(stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const { store, engine, access } = this.deps;
    const denied = await access.authorise(actor, 'operate', `step:${stepId}`, origin);
    if (denied) return denied;
    const step = await store.steps.get(stepId);
    if (step === undefined || !(await engine.skipStep(stepId, actor.id))) {
      await access.auditRefusal(actor.id, `step:${stepId.slice(0, 40)}`, step ? 'not_skippable' : 'unknown', origin);
      const text = step ? `"${step.title}" cannot be skipped now (it is ${step.state}).` : 'That step is unknown.';
      return { type: 'text', text };
    }
    const done = engine.drive(step.runId, actor.id);
    return { type: 'text', text: `Skipped: ${step.title}.`, driving: { runId: step.runId, done } };
  }

  async cancelRun(runId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const { engine, access } = this.deps;
    const denied = await access.authorise(actor, 'operate', `run:${runId}`, origin);
    if (denied) return denied;
    const run = await engine.cancel(runId, actor.id, `cancelled by ${actor.id}`);
    if (run === undefined) {
      await access.auditRefusal(actor.id, `run:${runId.slice(0, 40)}`, 'not_active', origin);
      return { type: 'text', text: 'That run is not active (already finished, or unknown).' };
    }
    return { type: 'text', text: 'Run cancelled. A step already running finishes; nothing after it starts.' };
  }
}
