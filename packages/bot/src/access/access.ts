import type { Actor, Origin } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { allows, type Permission, type RoleMembers, rolesOf } from './roles.js';

const DENIAL: Record<Permission, string> = {
  view: "reading recovery state needs one of the plan's roles",
  operate: 'running recovery steps is for a lead_operator',
  request_danger: 'asking for a rollback or a restore is for a lead_operator or the system_architect',
  approve: 'approving is for a second lead_operator',
  declare: "declaring an incident needs one of the plan's roles",
  resolve: 'closing an incident is for a lead_operator',
  root_cause: 'the root cause and follow-ups are for the system_architect',
  security: 'this is a security incident: only the security_officer and lead_operators act in it',
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
  groupsOf(groupId: string): Promise<readonly string[]>;
}

/**
 * Who may do what (§4), for every surface: the roles a person holds now, the check, and an audit
 * row for every refusal and every request refused as bad input.
 */
export class Access {
  constructor(private readonly deps: AccessDeps) {}

  async actorFor(userId: string): Promise<Actor> {
    if (userId.startsWith('cli:'))
      return { id: userId, roles: ['lead_operator', 'system_architect', 'security_officer'] };
    return { id: userId, roles: await rolesOf(userId, this.deps.roleMembers, (g) => this.deps.groupsOf(g)) };
  }

  /** Refuses with an audit row unless the actor holds a role granting `permission`. */
  async authorise(
    actor: Actor,
    permission: Permission | null,
    what: string,
    origin: Origin,
  ): Promise<Denial | undefined> {
    if (allows(actor.roles, permission)) return undefined;
    await this.deps.store.audit.append({
      actor: actor.id,
      action: 'request.denied',
      target: what,
      outcome: 'denied',
      detail: { permission, roles: actor.roles, surface: origin.surface },
      requestId: origin.requestId,
    });
    return {
      type: 'denied',
      text: `Not allowed: ${DENIAL[permission!]}. Your roles: ${actor.roles.join(', ') || 'none'}.`,
    };
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
