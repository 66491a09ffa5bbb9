import type { Json, JsonObject, Run, Step } from '../domain/index.js';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { Store } from '../store/index.js';
import { choosePitr, DEFAULT_PITR_MARGIN_SECONDS } from './pitr-choice.js';
import { chooseRestore } from './restore-choice.js';

export type Binding = { kind: 'step'; step: Step } | { kind: 'refused'; why: string; detail: JsonObject };

/**
 * A restore's params, fixed when its approval is asked for, so the approval binds exactly what will
 * run: db.restore gets the named or newest dump (name, SHA-256), the tables, and what it rewinds for
 * the approver, or is refused when the dump lacks a table asked for (restore-choice.ts);
 * db.pitr.restore gets its target time, proposed from the run's incident when none was given
 * (pitr-choice.ts). A PITR target outside the host's recoverable window is refused here, before
 * anyone is asked to approve it.
 */
export async function bindBeforeApproval(
  deps: { store: Store; hosts: Hosts; pitrMarginSeconds?: number },
  run: Run,
  step: Step,
  steps: readonly Step[],
): Promise<Binding> {
  if (step.state !== 'pending') return { kind: 'step', step };
  let params: JsonObject | undefined;
  if (step.action === 'db.pitr.restore') {
    const incident = run.incidentId === null ? undefined : await deps.store.incidents.get(run.incidentId);
    const margin = deps.pitrMarginSeconds ?? DEFAULT_PITR_MARGIN_SECONDS;
    const choice = await choosePitr(deps.hosts, step, incident?.openedAt, margin);
    if (choice?.kind === 'refused')
      return { kind: 'refused', why: choice.why, detail: { window: (choice.window ?? null) as unknown as Json } };
    params = choice?.params;
  } else {
    const choice = await chooseRestore(deps.hosts, step, steps);
    if (choice === undefined) return { kind: 'step', step };
    if (choice.kind === 'refuse') return { kind: 'refused', why: choice.why, detail: {} };
    const bound = await deps.store.steps.bindParams(step.id, choice.params, choice.preview);
    return { kind: 'step', step: bound ?? step };
  }
  if (params === undefined) return { kind: 'step', step };
  return { kind: 'step', step: (await deps.store.steps.bindParams(step.id, params)) ?? step };
}
