import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { SYSTEM, type ActorId, type Approval, type ApprovalBinding, type Run, type Step } from '../domain/index.js';
import type { Repos, Store } from '../store/index.js';
import type { RunMachine } from './run-machine.js';
import { approvalPostKey, noteApprovalExpired, postInRunThread, updateRunMessage } from './run-notices.js';
import { recordTransition } from './transition.js';

/** Exactly what an approval of this step allows: its host, action and params. */
export const bindingOf = (step: Step): ApprovalBinding => ({
  host: step.host,
  action: step.action,
  params: step.params,
});

export interface GateOptions {
  /** Default 15 minutes: past it an approval is void and the run does not proceed on it. */
  approvalTtlMs: number;
  onChange?: () => void;
}

/**
 * The gates in front of steps: a `confirm` waits for a go-ahead, a `second_person` step for an
 * approval bound to what will run. Opening a gate, a go-ahead, a decision and an expiry are each
 * one transaction with their timeline, audit and message.
 */
export class Gates {
  constructor(
    private readonly store: Store,
    private readonly machine: RunMachine,
    private readonly options: GateOptions,
  ) {}

  /** Whether the step may run: approved (for exactly this binding) or confirmed. */
  async isOpen(run: Run, step: Step): Promise<boolean> {
    if (step.approval === 'second_person')
      return (await this.store.approvals.approvedFor(step.id, bindingOf(step))) !== undefined;
    const events = await this.store.timeline.list({ runId: run.id });
    return events.some((e) => e.kind === 'step_confirmed' && e.stepId === step.id);
  }

  /** Puts the step (and, unless a checklist, its run) in awaiting_approval, and asks for it. */
  async open(run: Run, step: Step, actor: ActorId, parallel: boolean): Promise<void> {
    await this.store.withTransaction(async (tx) => {
      if ((await tx.steps.transition(step.id, 'awaiting_approval', ['pending'])) === undefined) return;
      // In a checklist the other items go on; the run waits only once nothing but gates is left.
      const waiting = parallel ? run : await tx.runs.transition(run.id, 'awaiting_approval', ['pending', 'running']);
      if (waiting === undefined) return;
      const waitingFor = step.approval === 'second_person' ? 'approval' : 'a go-ahead';
      const runMessage = (t: Repos) =>
        updateRunMessage(t, waiting, `step:${step.idx}:gate`, `${step.title}: waiting for ${waitingFor}`);
      if (step.approval !== 'second_person') {
        await recordTransition(tx, {
          actor,
          runId: run.id,
          stepId: step.id,
          incidentId: run.incidentId,
          kind: 'confirmation_requested',
          text: `${step.title}: waiting for a go-ahead`,
          tell: [runMessage],
        });
        return;
      }
      const approval = await tx.approvals.request({
        stepId: step.id,
        requestedBy: run.requestedBy,
        ttlMs: this.options.approvalTtlMs,
        requiredRole: 'lead_operator',
      });
      await recordTransition(tx, {
        actor,
        runId: run.id,
        stepId: step.id,
        incidentId: run.incidentId,
        kind: 'approval_requested',
        text: `${step.title}: needs a second lead_operator`,
        detail: { approvalId: approval.id },
        audit: {
          actor: run.requestedBy,
          action: 'approval.requested',
          target: `run:${run.id}`,
          outcome: 'pending',
          detail: {
            step: step.title,
            host: step.host,
            action: step.action,
            params: step.params,
            approval: approval.id,
          },
          requestId: run.id,
        },
        tell: [
          (t) =>
            postInRunThread(t, waiting, approvalPostKey(approval.id), `Approval needed: ${step.title}`, {
              type: 'approval',
              approvalId: approval.id,
            }),
          runMessage,
        ],
      });
    });
    this.options.onChange?.();
  }

  /** A person said yes to a `confirm` gate (or ticked a manual checklist item). Exactly once. */
  async confirm(stepId: string, actor: ActorId, requestId?: string): Promise<{ confirmed: boolean; step: Step }> {
    const result = await this.store.withTransaction(async (tx) => {
      const step = await tx.steps.get(stepId);
      if (step === undefined) throw new RecioError(ErrorCode.NotFound, 'that step no longer exists');
      // In turn with a checklist's driver parking the run (runs.awaitGates): never both at once.
      await tx.runs.lock(step.runId);
      const moved = await tx.steps.transition(stepId, 'pending', ['awaiting_approval']);
      if (moved === undefined) return { confirmed: false, step };
      const run =
        (await tx.runs.transition(step.runId, 'running', ['awaiting_approval'])) ?? (await tx.runs.get(step.runId));
      await recordTransition(tx, {
        actor,
        runId: step.runId,
        stepId,
        incidentId: run?.incidentId ?? null,
        kind: 'step_confirmed',
        text: `${step.title}: confirmed`,
        audit: {
          action: 'step.confirmed',
          target: `run:${step.runId}`,
          outcome: 'ok',
          detail: { step: step.title },
          requestId: requestId ?? null,
        },
        tell: run ? [(t) => updateRunMessage(t, run, `step:${step.idx}:confirmed`, `${step.title}: confirmed`)] : [],
      });
      return { confirmed: true, step: moved };
    });
    if (result.confirmed) this.options.onChange?.();
    return result;
  }

  /** An approval was decided: an approved gate opens, a denied one ends the run. */
  async afterDecision(approvalId: string, actor: ActorId): Promise<Run | undefined> {
    const approval = await this.store.approvals.get(approvalId);
    if (approval === undefined) return undefined;
    const changed = await this.store.withTransaction((tx) => this.settle(tx, approval, actor));
    this.options.onChange?.();
    return changed;
  }

  /**
   * Approvals past their expiry: each is marked expired, its message rewritten ("expired", no
   * buttons) and its run stopped, all in one transaction, so a crash cannot leave an expired
   * approval whose message still offers Approve or whose run still waits. Two replicas sweeping
   * at once each get different approvals (the update takes the rows). Returns how many expired.
   */
  async expireApprovals(): Promise<number> {
    const expired = await this.store.withTransaction(async (tx) => {
      const due = await tx.approvals.expireDue();
      for (const approval of due) {
        const run = await tx.runs.get(approval.runId);
        if (run) await noteApprovalExpired(tx, run, approval.id);
        await this.settle(tx, approval, SYSTEM);
      }
      return due;
    });
    if (expired.length > 0) this.options.onChange?.();
    return expired.length;
  }

  private async settle(tx: Repos, approval: Approval, actor: ActorId): Promise<Run | undefined> {
    const step = await tx.steps.get(approval.stepId);
    if (step === undefined) return undefined;
    if (approval.state === 'approved') {
      // As a go-ahead: in turn with a checklist's driver parking the run (runs.awaitGates).
      await tx.runs.lock(step.runId);
      if ((await tx.steps.transition(step.id, 'pending', ['awaiting_approval'])) === undefined) return undefined;
      return tx.runs.transition(step.runId, 'running', ['awaiting_approval']);
    }
    if ((await tx.steps.transition(step.id, 'skipped', ['awaiting_approval'])) === undefined) return undefined;
    const why = approval.state === 'denied' ? `denied by ${approval.decidedBy}` : 'approval expired';
    return this.machine.finishInTx(tx, step.runId, 'cancelled', actor, `${step.title}: ${why}`);
  }
}
