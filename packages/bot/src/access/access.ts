import type { Actor, Origin } from '../domain/index.js';
import type { Store } from '../store/index.js';
import {
  allows,
  FRESH_PERMISSIONS,
  type GroupLookup,
  type Permission,
  type Role,
  type RoleMembers,
  rolesOf,
} from './roles.js';

const DENIAL: Record<Permission, string> = {
  view: "reading recovery state needs one of the plan's roles",
  operate: 'running recovery steps is for a lead_operator',
  request_danger: 'asking for a rollback or a restore is for a lead_operator or the system_architect',
  approve: 'approving is for a second lead_operator',
  declare: "declaring an incident needs one of the plan's roles",
  resolve: 'closing an incident is for a lead_operator',
  root_cause: 'the root cause and follow-ups are for the system_architect',
  security: 'this is a security incident: only the security_officer and lead_operators act in it',
  break_glass: 'breaking the glass is for the lead_operator who asked for the step',
  review_break_glass: 'reviewing a break-glass is for a security_officer or another lead_operator',
};

/** A refusal, in the words the person reads. */
export interface Denial {
  type: 'denied';
  text: string;
}

export interface AccessDeps {
  store: Pick<Store, 'audit'>;
  roleMembers: RoleMembers;
  /** Members of a Slack user group; the Slack edge provides it (usergroups.users.list). */
  groupsOf: GroupLookup;
  /** RECIO_CLI_USERS: unix user on the bot host → Slack user id, whose roles the terminal user has. */
  cliUsers?: Readonly<Record<string, string>>;
}

/** A Slack person's id: only these are looked up in the role lists (not `drill`, `monitor`, `cli:…`). */
const isSlackUser = (id: string) => /^[UW][A-Z0-9]{2,}$/.test(id);

/**
 * Who may do what (§4), for every surface: the roles a person holds now, the check, and an audit
 * row for every refusal and every request refused as bad input.
 */
export class Access {
  constructor(private readonly deps: AccessDeps) {}

  /**
   * Who is asking, with the roles they hold now. `cli:<unix user>` (the name from the OS, never
   * from a flag) acts as the Slack id RECIO_CLI_USERS maps it to, with that person's roles; a
   * terminal user with no mapping may only read.
   */
  async actorFor(userId: string): Promise<Actor> {
    if (userId.startsWith('cli:')) {
      const slackId = this.deps.cliUsers?.[userId.slice(4)];
      if (slackId === undefined) return { id: userId, roles: [], readOnly: true };
      return { id: slackId, roles: await this.rolesNow(slackId, false), via: userId };
    }
    return { id: userId, roles: await this.rolesNow(userId, false) };
  }

  private rolesNow(userId: string, fresh: boolean): Promise<Role[]> {
    return rolesOf(userId, this.deps.roleMembers, this.deps.groupsOf, { fresh });
  }

  /**
   * Refuses with an audit row unless the actor holds a role granting `permission`. For approving
   * and for asking for a dangerous step, a Slack person's roles are looked up again, fresh (no
   * cached group membership): a person taken out of the leads' group a minute ago is refused now.
   */
  async authorise(
    actor: Actor,
    permission: Permission | null,
    what: string,
    origin: Origin,
  ): Promise<Denial | undefined> {
    const roles =
      permission !== null && FRESH_PERMISSIONS.has(permission) && isSlackUser(actor.id)
        ? await this.rolesNow(actor.id, true)
        : actor.roles;
    if (allows(roles, permission)) return undefined;
    if (actor.readOnly && (permission === 'view' || permission === null)) return undefined;
    await this.deps.store.audit.append({
      actor: actor.id,
      action: 'request.denied',
      target: what,
      outcome: 'denied',
      detail: {
        permission,
        roles,
        surface: origin.surface,
        ...(actor.via ? { via: actor.via } : {}),
        ...(actor.readOnly ? { cliUser: 'unmapped' } : {}),
      },
      requestId: origin.requestId,
    });
    const why = actor.readOnly
      ? `${actor.id.slice(4)} is not in RECIO_CLI_USERS, so this terminal may only read`
      : DENIAL[permission!];
    return { type: 'denied', text: `Not allowed: ${why}. Your roles: ${roles.join(', ') || 'none'}.` };
  }

  /** Records a refused request (bad input, unknown button) so the audit log shows every attempt. */
  async auditRefusal(
    actorId: string,
    what: string,
    reason: string,
    origin: Origin,
    detail: Record<string, string> = {},
  ): Promise<void> {
    await this.deps.store.audit.append({
      actor: actorId,
      action: 'request.refused',
      target: what,
      outcome: 'refused',
      detail: { reason, ...detail, surface: origin.surface },
      requestId: origin.requestId,
    });
  }

  /** Slack mentions of the security_officer role: users as <@U…>, user groups as <!subteam^S…>. */
  securityMentions(): string {
    return this.deps.roleMembers.security_officer
      .map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`))
      .join(' ');
  }
}
