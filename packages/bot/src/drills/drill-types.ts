import type { IncidentDesk } from '../incidents/desk.js';
import type { Operations } from '../operations/operations.js';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { FleetView } from '../runbooks/plan.js';
import type { Store } from '../store/index.js';
import type { Step } from '../domain/index.js';

/** The plan's four scenarios (§1.1–§1.4): what a drill can break and recover. */
export const SCENARIOS = ['postgres-failure', 'service-crash', 'provider-outage', 'bad-release'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** How to break a scenario, as flags from a command line; the target checks them when it injects. */
export interface BreakFlags {
  variant?: string;
  service?: string;
  provider?: string;
  tag?: string;
}

/** What a drill runs on and how it is driven: the same core the bot runs (store, Operations, IncidentDesk). */
export interface DrillContext {
  store: Store;
  ops: Operations;
  desk: IncidentDesk;
  /** Which hosts hold a role (the drill target picks where to break). */
  fleet: FleetView;
  /** The hosts, for what a drill checks itself (is the program it broke running again?). */
  hosts: Hosts;
  /** Where the drill's own record is posted (Slack), if anywhere. */
  channel?: string | undefined;
  /**
   * Makes sure a monitor watches the fleet for the drill: the bot's own is already running (a no-op);
   * the CLI starts one (it stands by if another process leads). Returns how to stop what it started.
   */
  ensureMonitor(): Promise<() => Promise<void>>;
  /** Told after the drill wrote messages for Slack (the publisher sends without waiting for its tick). */
  notify?(): void;
}

/** How long each phase may take before the drill calls it failed. */
export interface DrillTimeouts {
  detectMs: number;
  recoverMs: number;
  greenMs: number;
  resolveMs: number;
}

/**
 * Detection: a staging watchdog's feed is stale only after 60 s, then a poll. Recovery: the real
 * provider-outage runbook waits 15 minutes before it offers to disable auto entries (the plan's own
 * window), and a restore of a large dump takes its time.
 */
export const DEFAULT_TIMEOUTS: DrillTimeouts = {
  detectMs: 180_000,
  recoverMs: 30 * 60_000,
  greenMs: 300_000,
  resolveMs: 120_000,
};

/** One drill, as asked for. */
export interface DrillOptions {
  scenario: Scenario;
  /** What to break, how (the sandbox's `break` flags; a staging fleet takes `service` only). */
  flags?: BreakFlags;
  /** Who asked for the drill: a Slack user id or `cli:<unix user>`. */
  startedBy: string;
  /** The second person for approvals the recovery needs (the drill itself asks, as `drill`). */
  approveAs: string;
  timeouts?: Partial<DrillTimeouts>;
  /** One line per phase, as it happens. */
  onProgress?: (line: string) => void;
}

/** What a drill measured and what went wrong; also stored on the drill's incident (kind `drill`). */
export interface DrillResult {
  drillId: string;
  scenario: Scenario;
  variant: string;
  target: string;
  ok: boolean;
  /** The incident the monitor opened for the fault. */
  incidentId?: string;
  /** How long injecting the fault took (a bad deploy's checkout, pip and restart; a database's shutdown). */
  breakTookMs?: number;
  /**
   * From the start of the break to the incident opened, to the recovery run(s) done, to the checklist
   * green, to resolved.
   */
  timeToDetectMs?: number;
  timeToRecoveredMs?: number;
  timeToGreenMs?: number;
  timeToResolvedMs?: number;
  /** What the drill did through the core, in order: the clicks and commands an operator would have made. */
  operatorActions: string[];
  /** What failed, in a person's words; empty when the drill passed. */
  failures: string[];
  /** Other incidents the monitor opened for the same fault (a cascade), resolved by the drill once green. */
  alsoOpened: string[];
  startedAt: string;
}

/** A fault ready to inject: where it is, what the monitor should open for it, and the outside world's part. */
export interface PreparedBreak {
  variant: string;
  /** The incident fingerprints that count as detection (the first to open wins). */
  fingerprints: string[];
  inject(): Promise<string[]>;
  /**
   * The part of the recovery nobody on our side does: the provider coming back. Called once, when
   * `endsWhen` says the recovery reached the point of waiting for it (or when the drill ends).
   */
  external?: { endsWhen(steps: Step[]): boolean; end(): Promise<void>; ended?: boolean };
}

/** A sandbox directory or a staging fleet: what can be broken there, and how. */
export interface DrillTarget {
  kind: 'sandbox' | 'fleet';
  label: string;
  /** Checks that the target is healthy and the fault can be made safely; throws a readable refusal otherwise. */
  prepare(scenario: Scenario, flags: BreakFlags, ctx: DrillContext): Promise<PreparedBreak>;
}
