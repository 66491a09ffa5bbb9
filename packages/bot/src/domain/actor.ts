import type { Role } from '../access/roles.js';

/** Who starts, approves or moves a run: a Slack user id, `cli:<user>`, `monitor` or `system`. */
export type ActorId = string;

/** Who expires approvals, in timelines and audit rows: nobody decided, the clock did. */
export const SYSTEM: ActorId = 'system';

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
