/**
 * Drills (the plan's §5 "test recovery quarterly"): a scenario broken on a sandbox or a staging
 * fleet, detected by the monitor, recovered through the same core the Slack buttons call, checked
 * green, resolved, and recorded as an incident of kind `drill`. `recio drill` and `/recio drill`
 * are this; the drills benchmark runs it five times per scenario.
 */
export { beginDrill, runDrill, type StartedDrill } from './run-drill.js';
export { openDrillContext, type OpenDrillOptions, type OpenedDrill } from './drill-context.js';
export { createBotDrills, drillTargetFor, type BotDrillsDeps } from './bot-drills.js';
export { loadSandboxDrills, type SandboxDrills } from './sandbox-drills.js';
export { fleetTarget } from './fleet-target.js';
export { formatDrillResult, renderDrillReport, seconds } from './drill-report.js';
export { planStepsFor, CHECKLIST_CHECKS, type PlanSteps } from './plan-steps.js';
export { DRILL_ACTOR } from './drill-actors.js';
export {
  DEFAULT_TIMEOUTS,
  SCENARIOS,
  isScenario,
  type BreakFlags,
  type Scenario,
  type DrillContext,
  type DrillOptions,
  type DrillResult,
  type DrillTarget,
  type DrillTimeouts,
  type PreparedBreak,
} from './drill-types.js';
