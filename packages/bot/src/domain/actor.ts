import type { Role } from '../access/roles.js';

/** Who starts, approves or moves a run: a Slack user id, `cli:<user>`, `monitor` or `system`. */
export type ActorId = string;

/** Who expires approvals, in timelines and audit rows: nobody decided, the clock did. */
export const SYSTEM: ActorId = 'system';

/** Who is asking, with the roles they hold right now. */
export interface Actor {
  /**
   * A Slack user id (U…), `monitor`, `drill`, or `cli:<unix user>` for a terminal user not mapped
   * to a Slack id. A mapped terminal user acts as their Slack id: the two-person rule compares
   * people, not surfaces.
   */
  id: string;
  roles: Role[];
  /** The terminal user behind a Slack id (`cli:alice`), kept for the audit log. */
  via?: string;
  /** A terminal user with no Slack id in RECIO_CLI_USERS: may read, nothing else. */
  readOnly?: boolean;
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
 * The members of a Slack user group. `fresh`: ask Slack now, not a cached answer (approvals and
 * dangerous requests: someone removed from the group a minute ago must not still approve).
 */
export type GroupLookup = (groupId: string, options?: { fresh?: boolean }) => Promise<readonly string[]>;
