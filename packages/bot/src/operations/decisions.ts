import { isRecioError } from '@recio/protocol/errors';
import { bindingOf } from '../runbooks/engine.js';
import { approvalPostKey, updateThreadMessage } from '../runbooks/run-notices.js';
import type { Operations } from './operations.js';
import type { Answer } from './types.js';
import type { Actor, Origin } from '../domain/actor.js';

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
        text: `Already ${ctx.state ?? 'decided'}${ctx.decidedBy ? ` by <@${ctx.decidedBy}>` : ''} at ${when(ctx.decidedAt)}.`,
      };
    case 'approval_mismatch':
      return {
        reason: 'mismatch',
        text: 'What would run has changed since this was asked, so this approval does not cover it. Nothing ran; ask again.',
      };
    case 'not_found':
      return { reason: 'unknown', text: 'That approval is unknown or no longer exists. Nothing ran.' };
    default:
      return undefined;
  }
}

/**
 * An Approve or Deny click. One conditional update decides (a double click records one decision);
 * the approval is bound to a hash of exactly what will run. Every refusal is audited.
 */
export async function decideApproval(
  ops: Operations,
  approvalId: string,
  decision: 'approved' | 'denied',
  actor: Actor,
  origin: Origin,
): Promise<Answer> {
  const denied = await ops.authorise(actor, 'approve', `approval:${approvalId}`, origin);
  if (denied) return denied;
  const { store, engine } = ops.deps;
  const approval = await store.approvals.get(approvalId);
  const step = approval && (await store.steps.get(approval.stepId));
  const run = approval && (await store.runs.get(approval.runId));
  if (approval === undefined || step === undefined || run === undefined) {
    await ops.auditRefusal(actor.id, `approval:${approvalId.slice(0, 40)}`, 'unknown', origin);
    return { type: 'text', text: 'That approval is unknown or no longer exists. Nothing ran.' };
  }
  try {
    await store.withTransaction(async (tx) => {
      const decided = await tx.approvals.decide({ id: approvalId, by: actor.id, decision, binding: bindingOf(step) });
      await tx.timeline.add({
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        actor: actor.id,
        kind: `approval_${decision}`,
        text: `${step.title}: ${decision} by ${actor.id}`,
        detail: { approvalId },
      });
      await updateThreadMessage(
        tx,
        run,
        approvalPostKey(approvalId),
        'decided',
        `${step.title}: ${decision} by ${actor.id}`,
        { type: 'approval', approvalId },
      );
      await tx.audit.append({
        actor: actor.id,
        action: 'approval.decided',
        target: `run:${run.id}`,
        outcome: decided.state,
        detail: { approval: approvalId, step: step.title, host: step.host, action: step.action, params: step.params },
        requestId: origin.requestId,
      });
    });
  } catch (error) {
    const refusal = refusalText(error);
    if (refusal === undefined) throw error;
    await ops.auditRefusal(actor.id, `approval:${approvalId}`, refusal.reason, origin, { decision });
    return { type: 'text', text: refusal.text };
  }
  const done = engine
    .afterDecision(approvalId, actor.id)
    .then((after) => (after?.state === 'running' ? engine.advance(run.id, actor.id) : after));
  done.catch(() => undefined);
  return {
    type: 'text',
    text:
      decision === 'approved'
        ? `Approved: ${step.title}. Running it now.`
        : `Denied: ${step.title}. The run stops here.`,
  };
}

/** A go-ahead on a `confirm` gate, or the checklist's hand-ticked item. */
export async function confirmStep(ops: Operations, stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
  const denied = await ops.authorise(actor, 'operate', `step:${stepId}`, origin);
  if (denied) return denied;
  const { store, engine } = ops.deps;
  const step = await store.steps.get(stepId);
  if (step === undefined) {
    await ops.auditRefusal(actor.id, `step:${stepId.slice(0, 40)}`, 'unknown', origin);
    return { type: 'text', text: 'That step is unknown. Nothing ran.' };
  }
  const { confirmed } = await engine.confirm(stepId, actor.id, origin.requestId);
  if (!confirmed) {
    await ops.auditRefusal(actor.id, `step:${stepId}`, 'not_waiting', origin);
    return { type: 'text', text: `"${step.title}" is not waiting for a go-ahead (it is ${step.state}).` };
  }
  engine.advance(step.runId, actor.id).catch(() => undefined);
  return { type: 'text', text: `Go-ahead recorded: ${step.title}.` };
}

export async function skipStep(ops: Operations, stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
  const denied = await ops.authorise(actor, 'operate', `step:${stepId}`, origin);
  if (denied) return denied;
  const step = await ops.deps.store.steps.get(stepId);
  if (step === undefined || !(await ops.deps.engine.skipStep(stepId, actor.id))) {
    await ops.auditRefusal(actor.id, `step:${stepId.slice(0, 40)}`, step ? 'not_skippable' : 'unknown', origin);
    return {
      type: 'text',
      text: step ? `"${step.title}" cannot be skipped now (it is ${step.state}).` : 'That step is unknown.',
    };
  }
  ops.deps.engine.advance(step.runId, actor.id).catch(() => undefined);
  return { type: 'text', text: `Skipped: ${step.title}.` };
}

export async function cancelRun(ops: Operations, runId: string, actor: Actor, origin: Origin): Promise<Answer> {
  const denied = await ops.authorise(actor, 'operate', `run:${runId}`, origin);
  if (denied) return denied;
  const run = await ops.deps.engine.cancel(runId, actor.id, `cancelled by ${actor.id}`);
  if (run === undefined) {
    await ops.auditRefusal(actor.id, `run:${runId.slice(0, 40)}`, 'not_active', origin);
    return { type: 'text', text: 'That run is not active (already finished, or unknown).' };
  }
  return { type: 'text', text: 'Run cancelled. A step already running finishes; nothing after it starts.' };
}
