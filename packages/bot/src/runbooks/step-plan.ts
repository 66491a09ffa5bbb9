import type { StepPlan } from './plan.js';
import type { Step } from '../domain/index.js';

const DEFAULT_PLAN: StepPlan = { key: 'step', onFailure: 'stop', timeoutMs: 60_000 };

/** The plan kept with a step in the store (older rows without one get the defaults). */
export function planOf(step: Step): StepPlan {
  return { ...DEFAULT_PLAN, key: `step-${step.idx}`, ...(step.spec as Partial<StepPlan>) } as StepPlan;
}

/** A step's `when`: the earlier step with that key ended that way (for fan-out steps: any of them). */
export function conditionHolds(plan: StepPlan, steps: readonly Step[]): boolean {
  if (plan.when === undefined) return true;
  const earlier = steps.filter((s) => planOf(s).key === plan.when!.step);
  return earlier.some((s) => s.state === plan.when!.outcome);
}
