import type { Json, JsonObject } from './json.js';

/** Where a run (or a step) is in its life. `interrupted`: the bot stopped mid-step; the outcome is unknown. */
export type RunState =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'awaiting_approval'
  | 'interrupted'
  | 'cancelled';

export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'skipped', 'interrupted', 'cancelled'];

/** One execution of a runbook scenario, started from Slack, the CLI or the monitor. */
export interface Run {
  id: string;
  scenario: string;
  state: RunState;
  /** Slack user id, `cli:<user>`, or `monitor`. */
  requestedBy: string;
  incidentId: string | null;
  dryRun: boolean;
  params: JsonObject;
  /** The key that makes a retried request land on this same run. */
  dedupeKey: string | null;
  channel: string | null;
  threadTs: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** Who must say yes before a step runs: nobody, the requester (a confirm button), or a second person. */
export type ApprovalKind = 'none' | 'confirm' | 'second_person';

export type StepState = RunState;

/** One step of a run: an agent action on a host, and what came of it. */
export interface Step {
  id: string;
  runId: string;
  idx: number;
  title: string;
  host: string;
  action: string;
  params: JsonObject;
  approval: ApprovalKind;
  idempotent: boolean;
  /** The runbook's plan for this step (condition, failure policy, timeout); opaque to the store. */
  spec: JsonObject;
  state: StepState;
  /** The bot instance running it (or that last ran it). */
  owner: string | null;
  /** Past this time a running step is presumed lost with its owner. */
  leaseUntil: Date | null;
  attempt: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  /** A short word: `ok`, `error`, `timeout`, `unknown` (interrupted) ... */
  outcome: string | null;
  result: Json | null;
  outputExcerpt: string | null;
  /** What the approver is shown beside the params (a restore's dump and what it rewinds); not sent. */
  preview?: JsonObject | null;
  /** A lead_operator ended this step's retry wait (a `cut_short` button): who. */
  cutShortBy?: string | null;
}
