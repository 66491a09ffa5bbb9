import type { Access } from '../access/access.js';
import type { Actor, Origin } from '../domain/index.js';
import type { RunEngine } from '../runbooks/engine.js';
import { updateRunMessage } from '../runbooks/run-notices.js';
import { planOf } from '../runbooks/step-plan.js';
import { recordTransition } from '../runbooks/transition.js';
import type { Store } from '../store/index.js';
import type { Answer } from './types.js';

/**
 * A lead_operator ends a retrying step's wait (§1.3 "Disable auto entry now": a provider is down
 * and the operator will not wait out the 15 minutes). The step ends failed, so what the runbook does
 * after a failure runs next, and the click is also the go-ahead of the step it `confirms`. One
 * conditional update decides it (a double click cuts once); a refusal is audited.
 */
export async function cutShortWait(
  deps: { store: Store; engine: RunEngine; access: Access },
  stepId: string,
  actor: Actor,
  origin: Origin,
): Promise<Answer> {
  const { store, engine, access } = deps;
  const denied = await access.authorise(actor, 'operate', `step:${stepId}`, origin);
  if (denied) return denied;
  const step = await store.steps.get(stepId);
  const plan = step && planOf(step);
  if (step === undefined || plan?.cutShort === undefined) {
    await access.auditRefusal(actor.id, `step:${stepId.slice(0, 40)}`, step ? 'no_wait_to_cut' : 'unknown', origin);
    return { type: 'text', text: step ? `"${step.title}" has no wait to cut short.` : 'That step is unknown.' };
  }
  const { label, confirms } = plan.cutShort;
  const cut = await store.withTransaction(async (tx) => {
    const moved = await tx.steps.cutShort(stepId, actor.id);
    if (moved === undefined) return false;
    const run = await tx.runs.get(step.runId);
    const target = confirms
      ? (await tx.runs.steps(step.runId)).find((s) => planOf(s).key === confirms && s.state === 'pending')
      : undefined;
    await recordTransition(tx, {
      actor: actor.id,
      runId: step.runId,
      stepId,
      incidentId: run?.incidentId ?? null,
      kind: 'wait_cut_short',
      text: `${step.title}: wait cut short by <@${actor.id}> (${label})`,
      audit: {
        action: 'step.wait_cut_short',
        target: `run:${step.runId}`,
        outcome: 'ok',
        detail: { step: step.title, label, ...(target ? { confirms: target.title } : {}) },
        requestId: origin.requestId,
      },
      tell: run ? [(t) => updateRunMessage(t, run, `step:${step.idx}:cut`, `${step.title}: wait cut short`)] : [],
    });
    // The go-ahead the next gate would ask for, given now: the button said what it does.
    if (target !== undefined)
      await recordTransition(tx, {
        actor: actor.id,
        runId: step.runId,
        stepId: target.id,
        incidentId: run?.incidentId ?? null,
        kind: 'step_confirmed',
        text: `${target.title}: confirmed (${label})`,
        audit: {
          action: 'step.confirmed',
          target: `run:${step.runId}`,
          outcome: 'ok',
          detail: { step: target.title, via: label },
          requestId: origin.requestId,
        },
      });
    return true;
  });
  if (!cut) {
    await access.auditRefusal(actor.id, `step:${stepId}`, 'not_waiting', origin);
    return {
      type: 'text',
      text: `"${step.title}" is not waiting any more (it is ${step.state}): nothing to cut short.`,
    };
  }
  const done = engine.drive(step.runId, actor.id);
  return { type: 'text', text: `${label}: the wait is over.`, driving: { runId: step.runId, done } };
}
