import { redactSecrets } from '@recio/protocol/redact';
import type { Access } from '../access/access.js';
import { MIN_BREAK_GLASS_TEXT, TERMINAL_STATES, type Actor, type Approval, type Origin } from '../domain/index.js';
import { bindingOf, type RunEngine } from '../runbooks/engine.js';
import { approvalPostKey, updateThreadMessage } from '../runbooks/run-notices.js';
import { recordTransition } from '../runbooks/transition.js';
import type { BreakRefusal, Store } from '../store/index.js';
import { targetOf, type TypedTarget } from './approval-target.js';
import { mention, postBreakGlass, tellBreakGlassChanged } from './break-glass-notices.js';
import type { Answer } from './types.js';

export interface BreakGlassDeps {
  store: Store;
  engine: RunEngine;
  access: Access;
  /** RECIO_BREAK_GLASS_AFTER_MINUTES in ms; null: `off`. */
  afterMs: number | null;
  onChange?: () => void;
}

/** What the modal asks for: the target to type, or why there is no modal (refused and audited). */
export type BreakGlassForm = { type: 'form'; target: TypedTarget } | Answer;

/** What was wrong with what the modal carried, for the field it belongs under. */
export interface InputProblem {
  field: 'reason' | 'target';
  text: string;
}

const when = (date: Date | null | undefined) =>
  date ? `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'earlier';
const MAX_TEXT = 1_000;

/** The typed target a break-glass asks for: the approval's own (tag, dump date, host); any step has a host. */
export function breakTargetOf(step: TypedTarget['step']): TypedTarget {
  return targetOf(step) ?? { expected: step.host, kind: 'the host name', step };
}

/** A reason that says nothing is refused; so is a target that is not the one the approval binds. */
export function checkBreakInput(reason: string, typed: string, target: TypedTarget): InputProblem | undefined {
  if (reason.trim().length < MIN_BREAK_GLASS_TEXT)
    return {
      field: 'reason',
      text: `Write why you cannot wait (at least ${MIN_BREAK_GLASS_TEXT} characters): the security officers read it.`,
    };
  if (typed.trim() !== target.expected)
    return { field: 'target', text: `That is not ${target.kind}. Type \`${target.expected}\` exactly; nothing ran.` };
  return undefined;
}

/**
 * Break-glass (issue 13): the requester of a step waiting for a second lead_operator runs it alone
 * once the approval has waited RECIO_BREAK_GLASS_AFTER_MINUTES — with a written reason and the
 * typed target, the security officers mentioned at once, and a review left open. Every refusal is
 * audited; the time is checked by the database, never taken from the button.
 */
export class BreakGlassDoor {
  constructor(private readonly deps: BreakGlassDeps) {}

  /** The target a break on this approval must type, as the store has it now. */
  async targetNow(approvalId: string): Promise<TypedTarget | undefined> {
    const approval = await this.deps.store.approvals.get(approvalId);
    const step = approval && (await this.deps.store.steps.get(approval.stepId));
    return step && breakTargetOf(step);
  }

  /** Before the modal: the same checks the break makes, so a refused click never sees a form. */
  async form(approvalId: string, actor: Actor, origin: Origin, now = new Date()): Promise<BreakGlassForm> {
    const early = await this.gate(approvalId, actor, origin);
    if (early.type !== 'ok') return early.answer;
    const { approval, step } = early;
    const { run } = early;
    const waiting = step.state === 'awaiting_approval' && !TERMINAL_STATES.includes(run.state);
    const refusal = waiting ? this.localRefusal(approval, actor, now) : 'not_waiting';
    if (refusal !== undefined) return this.refuse(actor, approvalId, refusal, origin, { approval });
    return { type: 'form', target: breakTargetOf(step) };
  }

  /** The modal submitted: checks everything again, then approves for the requester and runs the step. */
  async breakGlass(
    approvalId: string,
    input: { reason: string; typed: string },
    actor: Actor,
    origin: Origin,
  ): Promise<Answer> {
    const { store, engine, access, afterMs } = this.deps;
    const early = await this.gate(approvalId, actor, origin);
    if (early.type !== 'ok') return early.answer;
    const { step, run } = early;
    const target = breakTargetOf(step);
    // Checked as it will be kept (redacted): a reason that was mostly a secret says nothing.
    const reason = redactSecrets(input.reason.trim()).slice(0, MAX_TEXT);
    const problem = checkBreakInput(reason, input.typed, target);
    if (problem !== undefined) {
      await access.auditRefusal(actor.id, `approval:${approvalId}`, `break_glass_${problem.field}`, origin);
      return { type: 'text', text: problem.text };
    }
    const mentions = access.securityMentions();
    const result = await store.withTransaction(async (tx) => {
      const made = await tx.breakGlass.breakGlass({
        approvalId,
        by: actor.id,
        afterMs: afterMs ?? 0,
        binding: bindingOf(step),
        reason,
        typedTarget: input.typed.trim(),
        incidentId: run.incidentId,
      });
      if (!made.ok) return made;
      const { breakGlass } = made;
      await recordTransition(tx, {
        actor: actor.id,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: 'break_glass',
        text: `${step.title}: break-glass by ${actor.id}, no second lead_operator — needs review. Reason: ${reason}`,
        detail: { approvalId, breakGlassId: breakGlass.id },
        audit: {
          action: 'break_glass.used',
          target: `run:${run.id}`,
          outcome: 'approved',
          detail: {
            approval: approvalId,
            breakGlass: breakGlass.id,
            step: step.title,
            host: step.host,
            action: step.action,
            params: step.params,
            reason,
            typedTarget: breakGlass.typedTarget,
            surface: origin.surface,
            ...(actor.via ? { via: actor.via } : {}),
          },
          requestId: origin.requestId,
        },
        tell: [
          (t) => postBreakGlass(t, run, breakGlass, mentions),
          (t) =>
            updateThreadMessage(t, run, approvalPostKey(approvalId), 'break-glass', 'Break-glass', {
              type: 'approval',
              approvalId,
            }),
          (t) => tellBreakGlassChanged(t, run, breakGlass, 'used', mentions),
        ],
      });
      return made;
    });
    if (!result.ok) {
      return this.refuse(actor, approvalId, result.reason, origin, {
        ...(result.approval ? { approval: result.approval } : {}),
        ...(result.availableAt ? { availableAt: result.availableAt } : {}),
        alreadyYours: result.existing?.brokenBy === actor.id ? result.existing.brokenAt : undefined,
      });
    }
    this.deps.onChange?.();
    const done = engine.decided(approvalId, run.id, actor.id);
    const told = mentions === '' ? 'No security officer is configured to tell' : `${mentions} were told`;
    return {
      type: 'text',
      text: `Break-glass recorded: running ${step.title} now. ${told}; it stays marked "needs review" until reviewed.`,
      driving: { runId: run.id, done },
    };
  }

  /** Pending approvals that have waited long enough get "Break glass" on their message, once. */
  async offerDue(): Promise<number> {
    const { afterMs, store } = this.deps;
    if (afterMs === null) return 0;
    const offered = await store.withTransaction(async (tx) => {
      const due = await tx.breakGlass.offerDue(afterMs);
      for (const approval of due) {
        const run = await tx.runs.get(approval.runId);
        if (run === undefined) continue;
        await updateThreadMessage(tx, run, approvalPostKey(approval.id), 'break-glass-offered', 'Break glass', {
          type: 'approval',
          approvalId: approval.id,
        });
      }
      return due.length;
    });
    if (offered > 0) this.deps.onChange?.();
    return offered;
  }

  /** Role, then the approval, its step and run; unknown ids are refused and audited. */
  private async gate(approvalId: string, actor: Actor, origin: Origin) {
    const { store, access } = this.deps;
    if (this.deps.afterMs === null) {
      return { type: 'refused' as const, answer: await this.refuse(actor, approvalId, 'off', origin) };
    }
    const denied = await access.authorise(actor, 'break_glass', `approval:${approvalId.slice(0, 40)}`, origin);
    if (denied) return { type: 'refused' as const, answer: denied as Answer };
    const approval = await store.approvals.get(approvalId);
    const step = approval && (await store.steps.get(approval.stepId));
    const run = approval && (await store.runs.get(approval.runId));
    if (approval === undefined || step === undefined || run === undefined) {
      return { type: 'refused' as const, answer: await this.refuse(actor, approvalId, 'unknown', origin) };
    }
    return { type: 'ok' as const, approval, step, run };
  }

  /** What the store would refuse, read ahead with this process's clock (the store decides for real). */
  private localRefusal(approval: Approval, actor: Actor, now: Date): BreakRefusal | undefined {
    if (approval.state === 'expired') return 'expired';
    if (approval.state !== 'pending') return 'not_waiting';
    if (approval.expiresAt.getTime() <= now.getTime()) return 'expired';
    if (approval.requestedBy !== actor.id) return 'not_requester';
    if (approval.createdAt.getTime() + (this.deps.afterMs ?? 0) > now.getTime()) return 'too_early';
    return undefined;
  }

  private async refuse(
    actor: Actor,
    approvalId: string,
    reason: BreakRefusal | 'off',
    origin: Origin,
    context: { approval?: Approval; availableAt?: Date; alreadyYours?: Date | undefined } = {},
  ): Promise<Answer> {
    await this.deps.access.auditRefusal(
      actor.id,
      `approval:${approvalId.slice(0, 40)}`,
      `break_glass_${reason}`,
      origin,
    );
    const { approval } = context;
    const afterMin = Math.round((this.deps.afterMs ?? 0) / 60_000);
    const opensAt = approval && new Date(approval.createdAt.getTime() + (this.deps.afterMs ?? 0));
    const texts: Record<BreakRefusal | 'off', string> = {
      off: 'Break-glass is off on this bot (RECIO_BREAK_GLASS_AFTER_MINUTES=off): a second lead_operator must approve.',
      unknown: 'That approval is unknown or no longer exists. Nothing ran.',
      not_waiting: context.alreadyYours
        ? `You already broke the glass for this at ${when(context.alreadyYours)}; it runs once.`
        : approval?.state === 'pending' || approval === undefined
          ? 'That step is no longer waiting for approval (its run moved on or stopped). Nothing ran.'
          : `That step is not waiting for approval (it was ${approval.state}` +
            `${approval.decidedBy ? ` by ${mention(approval.decidedBy)}` : ''}). Nothing ran.`,
      expired: `This approval expired (${when(approval?.expiresAt)}). Nothing ran; ask again.`,
      not_requester:
        `Only the person who asked for it (${approval ? mention(approval.requestedBy) : 'the requester'}) may ` +
        'break the glass. As a lead_operator, you can approve it instead.',
      too_early:
        `Break-glass opens once the approval has waited ${afterMin} min ` +
        `(at ${when(context.availableAt ?? opensAt)}). ` +
        'Until then a second lead_operator can approve. Nothing ran.',
      mismatch: 'What would run has changed since this was asked. Nothing ran; ask again.',
    };
    return { type: 'text', text: texts[reason] };
  }
}
