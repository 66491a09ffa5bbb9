import type { GroupLookup } from '../domain/actor.js';
import type { IntentKind } from '../intents/intent.js';

/** The plan's roles (§4). */
export const ROLES = ['lead_operator', 'system_architect', 'security_officer'] as const;
export type Role = (typeof ROLES)[number];

/** What a role lets a person do. Checked in the core, whatever the edge (Slack, console, CLI). */
export type Permission =
  | 'view' // status, tail, checklist, report, backup list
  | 'operate' // restart/start/stop, run a runbook, backup now, acknowledge, tick the trades item
  | 'request_danger' // ask for a rollback or a restore (someone else approves)
  | 'approve' // be the second person on a rollback or a restore
  | 'declare' // open an incident by hand
  | 'resolve' // close or resolve an incident
  | 'root_cause' // write the report's root cause and follow-ups
  | 'security' // act inside a security incident's thread
  | 'break_glass' // run one's own waiting dangerous step alone, after the wait (reviewed later)
  | 'review_break_glass'; // review someone else's break-glass

export const GRANTS: Record<Permission, readonly Role[]> = {
  view: ['lead_operator', 'system_architect', 'security_officer'],
  operate: ['lead_operator'],
  request_danger: ['lead_operator', 'system_architect'],
  approve: ['lead_operator'],
  declare: ['lead_operator', 'system_architect', 'security_officer'],
  resolve: ['lead_operator'],
  root_cause: ['system_architect'],
  security: ['security_officer', 'lead_operator'],
  break_glass: ['lead_operator'],
  review_break_glass: ['security_officer', 'lead_operator'],
};

export const PERMISSION_OF: Record<IntentKind, Permission | null> = {
  help: null,
  status: 'view',
  tail: 'view',
  checklist: 'view',
  report: 'view',
  backup_list: 'view',
  restart: 'operate',
  start: 'operate',
  stop: 'operate',
  run: 'operate',
  drill: 'operate',
  backup_now: 'operate',
  backup_config: 'operate',
  backup_history: 'operate',
  backup_restore: 'operate',
  rollback: 'request_danger',
  restore: 'request_danger',
  incident_open: 'declare',
  incident_close: 'resolve',
};

export type { GroupLookup } from '../domain/actor.js';

/** Who holds each role: Slack user ids (U…/W…) and user-group ids (S…). An empty list is nobody. */
export type RoleMembers = Record<Role, readonly string[]>;

export function parseMemberList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((id) => /^[UWS][A-Z0-9]{2,}$/.test(id));
}

/**
 * The roles a user holds, directly or through a user group. Group membership comes from a lookup
 * (Slack's usergroups.users.list) that the edge provides; the core never talks to Slack.
 */
export async function rolesOf(
  userId: string,
  members: RoleMembers,
  groupsOf: GroupLookup,
  options: { fresh?: boolean } = {},
): Promise<Role[]> {
  const held: Role[] = [];
  for (const role of ROLES) {
    const ids = members[role];
    if (ids.includes(userId)) {
      held.push(role);
      continue;
    }
    for (const group of ids.filter((id) => id.startsWith('S'))) {
      // A failed lookup grants nothing: the person is counted as outside the group.
      if ((await groupsOf(group, options).catch(() => [] as readonly string[])).includes(userId)) {
        held.push(role);
        break;
      }
    }
  }
  return held;
}

/**
 * Permissions whose role check looks group membership up fresh, whatever the actor was resolved
 * with: being the second person on a restore, asking for one, and breaking the glass on one.
 */
export const FRESH_PERMISSIONS: ReadonlySet<Permission> = new Set(['approve', 'request_danger', 'break_glass']);

export function allows(roles: readonly Role[], permission: Permission | null): boolean {
  return permission === null || roles.some((role) => GRANTS[permission].includes(role));
}
