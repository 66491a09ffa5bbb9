// The bot's domain: what a run, a step, an approval, an incident and an actor are. The store maps
// its rows to these; the engine, incidents and edges speak them. No I/O here.
export type { Json, JsonObject } from './json.js';
export { TERMINAL_STATES, type ApprovalKind, type Run, type RunState, type Step, type StepState } from './run.js';
export type { Approval, ApprovalBinding, ApprovalState } from './approval.js';
export { MIN_BREAK_GLASS_TEXT, NEEDS_REVIEW, type BreakGlass } from './break-glass.js';
export type { Incident, IncidentKind, IncidentStatus, Severity } from './incident.js';
export { SYSTEM, type Actor, type ActorId, type GroupLookup, type Origin } from './actor.js';
export type { Program } from './program.js';
