import { isActionName, traitsOf } from '@recio/protocol/actions';
import type { StepSpec } from './schema.js';

/**
 * The rules a runbook step must keep with its action's traits (declared once, in the protocol's
 * action catalogue). The YAML may ask for more care than the catalogue, never less: a runbook
 * that says `approval: none` on a restore would otherwise let one person restore the database,
 * and `idempotent: true` on a change would let crash recovery run it a second time.
 */
export const STEP_RULES = {
  'dangerous-needs-second-person': 'is dangerous: it needs `approval: second_person`',
  'mutating-not-idempotent': 'changes the host: it must not be `idempotent: true` (recovery would run it again)',
} as const;
export type StepRule = keyof typeof STEP_RULES;

export interface StepRuleBreak {
  rule: StepRule;
  message: string;
}

/** Every rule the step breaks, each as `steps[3] (restore): db.restore is dangerous: … [rule …]`. */
export function checkStepPolicy(step: StepSpec, index: number): StepRuleBreak[] {
  if (!isActionName(step.action)) return [];
  const traits = traitsOf(step.action);
  const broken: StepRule[] = [];
  if (traits.dangerous && step.approval !== 'second_person') broken.push('dangerous-needs-second-person');
  if (traits.mutating && step.idempotent) broken.push('mutating-not-idempotent');
  return broken.map((rule) => ({
    rule,
    message: `steps[${index}] (${step.id}): ${step.action} ${STEP_RULES[rule]} [rule ${rule}]`,
  }));
}
