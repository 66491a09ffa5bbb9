/**
 * The sandbox REC.IO v2: a small, real copy of the system recio-bot repairs (PostgreSQL,
 * supervisord with the six programs, provider stand-ins, a web UI, a release repo, backups, an
 * sshd with the agent), with one fault per scenario of the plan. Tests, drills and the bench use
 * this API; `recio sandbox …` is the same from a terminal.
 */
export { sandboxUp, waitUntilHealthy } from './sandbox-up.js';
export { sandboxPrerequisites, type Prerequisite } from './prerequisites.js';
export { sandboxDown, formatDownReport, type DownReport } from './sandbox-down.js';
export { sandboxStatus, formatSandboxStatus, type ComponentStatus, type SandboxStatus } from './sandbox-status.js';
export {
  breakScenario,
  breakWithFlags,
  isScenario,
  SCENARIOS,
  type BreakFlags,
  type BreakOptionsByScenario,
  type BreakReport,
  type Scenario,
} from './sandbox-faults.js';
export { heal, type HealReport } from './sandbox-heal.js';
export { openSandbox, type ProviderControl, type Sandbox, type SandboxOptions } from './sandbox-handle.js';
export { SANDBOX_HOST } from './sandbox-agent.js';
export { RECIO_TABLES, DROPPED_TABLE } from './recio-schema.js';
export { BAD_TAG, GOOD_TAG, RELEASES } from './release-repo.js';
export { DEFAULT_SANDBOX_USER } from './sandbox-user.js';
export type { ProviderMode } from './sandbox-services.js';
export type { ActiveFault, ProviderName, SandboxPorts, SandboxTuning } from './sandbox-state.js';
