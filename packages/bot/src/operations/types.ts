import type { Role } from '../access/roles.js';
import type { HostResult } from '../hosts/transport.js';
import type { Run } from '../store/index.js';

/** Who is asking, with the roles they hold right now. */
export interface Actor {
  /** A Slack user id (U…), `cli:<unix user>`, or `monitor`. */
  id: string;
  roles: Role[];
}

/** Where a request came from and where its answers go. */
export interface Origin {
  surface: 'slack' | 'cli' | 'console';
  channel?: string;
  /** Set for `@recio` inside a thread: everything it starts is told in that thread. */
  threadTs?: string;
  /** Makes a retried delivery land on what the first one started (a Slack trigger id, an event id). */
  deliveryKey: string;
  /** Joins this request's log lines, SSH calls and audit rows. */
  requestId: string;
}

/**
 * What the core answers. Slack renders these as ephemeral messages or modals; the CLI prints them.
 * Long-running work (runs) is told through the outbox as it happens, not in the answer.
 */
export type Answer =
  | { type: 'text'; text: string }
  | { type: 'denied'; text: string }
  | { type: 'help'; text: string }
  | { type: 'status'; results: HostResult[] }
  | { type: 'tail'; host: string; service: string; lines: string[]; ok: boolean; error?: string }
  | { type: 'backups'; results: HostResult[] }
  | { type: 'run'; run: Run; created: boolean; title: string; done: Promise<Run> }
  | { type: 'choose_tag' }
  | { type: 'choose_service'; verb: 'restart' | 'start' | 'stop'; services: readonly string[] }
  | { type: 'report'; incidentId: string; markdown: string };

/**
 * `/recio drill <scenario>`: starts a drill and answers at once; the result is told in the channel
 * when the drill ends (src/drills). Optional: a bot without it says drills are not available.
 */
export interface Drills {
  start(scenario: string, actor: Actor, origin: Origin): Promise<Answer>;
}
