import { allows } from '../access/roles.js';
import { DANGEROUS_ACTIONS, isActionName } from '@recio/protocol/actions';
import type { Store } from '../store/index.js';
import type { Actor, Step } from '../domain/index.js';
import { dateOfDump } from '../runbooks/restore-choice.js';
import { typedTimeOf } from '../runbooks/pitr-choice.js';

/** What the approver must type before a destructive approval is recorded. */
export interface TypedTarget {
  expected: string;
  /** How the modal names it: "the release tag", "the backup file name"... */
  kind: string;
  step: Step;
}

export function targetOf(step: Step): TypedTarget | undefined {
  if (!isActionName(step.action) || !DANGEROUS_ACTIONS.has(step.action)) return undefined;
  const params = step.params as Record<string, unknown>;
  if (step.action === 'deploy.rollback' && typeof params.tag === 'string')
    return { expected: params.tag, kind: 'the release tag', step };
  if (step.action === 'db.restore' && typeof params.file === 'string') {
    // The date in the file's name: short to type, and it says which night's data comes back.
    const date = dateOfDump(params.file);
    return date === undefined
      ? { expected: params.file, kind: 'the backup file name', step }
      : { expected: date, kind: `the backup's date (${params.file})`, step };
  }
  if (step.action === 'db.pitr.restore' && typeof params.target === 'string')
    return { expected: typedTimeOf(params.target), kind: `the target time in UTC (${params.target})`, step };
  return { expected: step.host, kind: 'the database host name', step };
}

/**
 * The typed confirmation a destructive approval needs. With an actor: only when this click would
 * otherwise approve it — a click the core would refuse anyway (wrong role, the requester, decided,
 * expired, unknown) goes straight to the core, which says why and audits it, no modal first.
 * Without one: the target as the store has it now (to check what was typed against).
 */
export async function approvalTarget(
  store: Pick<Store, 'approvals' | 'steps'>,
  approvalId: string,
  actor?: Actor,
  now = new Date(),
): Promise<TypedTarget | undefined> {
  if (actor !== undefined && !allows(actor.roles, 'approve')) return undefined;
  const approval = await store.approvals.get(approvalId);
  if (approval === undefined) return undefined;
  const decidable =
    approval.state === 'pending' && approval.expiresAt.getTime() > now.getTime() && approval.requestedBy !== actor?.id;
  if (actor !== undefined && !decidable) return undefined;
  const step = await store.steps.get(approval.stepId);
  return step && targetOf(step);
}
