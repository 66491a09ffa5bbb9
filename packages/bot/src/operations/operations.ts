import { allows, PERMISSION_OF, rolesOf, type Permission, type RoleMembers } from '../access/roles.js';
import { ErrorCode, RecioError, isRecioError } from '@recio/protocol/errors';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { Intent, Vocabulary } from '../intents/intent.js';
import type { RunEngine } from '../runbooks/engine.js';
import type { Runbooks } from '../runbooks/loader.js';
import { planRun, type FleetView, type RunParams } from '../runbooks/plan.js';
import type { Store } from '../store/index.js';
import { adhocStep, pickServiceHost } from './adhoc.js';
import { helpText } from './help.js';
import { closeIncident, openIncident, reportFor } from './incident-ops.js';
import type { Answer, Drills } from './types.js';
import type { Actor, Origin } from '../domain/actor.js';

export interface OperationsDeps {
  store: Store;
  hosts: Hosts;
  engine: RunEngine;
  runbooks: Runbooks;
  fleet: FleetView;
  vocabulary: Vocabulary;
  roleMembers: RoleMembers;
  /** Members of a Slack user group; the Slack edge provides it (usergroups.users.list). */
  groupsOf(groupId: string): Promise<readonly string[]>;
  opsChannel?: string | undefined;
  /** Drills (`/recio drill`), wired by the bot once its incident desk and monitor exist. */
  drills?: Drills | undefined;
}

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

/**
 * The one door into recio's behaviour for every edge (Slack, the console, the CLI): checks who may
 * do what, records refusals in the audit log, and turns intents into runs, reads and incidents.
 */
export class Operations {
  constructor(readonly deps: OperationsDeps) {}

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
  ): Promise<Answer | undefined> {
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

  async handle(intent: Intent, actor: Actor, origin: Origin): Promise<Answer> {
    const denied =
      (await this.authorise(actor, PERMISSION_OF[intent.kind], intent.kind, origin)) ??
      (await this.securityThreadGuard(actor, intent, origin));
    if (denied) return denied;
    switch (intent.kind) {
      case 'help':
        return { type: 'help', text: helpText(this.deps.vocabulary) };
      case 'status': {
        const names = intent.host ? [intent.host] : this.deps.hosts.names();
        return {
          type: 'status',
          results: await this.deps.hosts.fanOut(
            names,
            { action: 'service.status', params: {} },
            { traceId: origin.requestId },
          ),
        };
      }
      case 'tail': {
        const host = pickServiceHost(this.deps.fleet, intent.host);
        const result = await this.deps.hosts.run(
          host,
          { action: 'service.tail', params: { service: intent.service, lines: intent.lines } },
          { traceId: origin.requestId },
        );
        const lines = (result.data as { lines?: string[] } | undefined)?.lines ?? [];
        return {
          type: 'tail',
          host,
          service: intent.service,
          lines,
          ok: result.ok,
          ...(result.ok ? {} : { error: result.error?.message ?? 'failed' }),
        };
      }
      case 'backup_list':
        return {
          type: 'backups',
          results: await this.deps.hosts.fanOut(
            this.deps.fleet.withRole('db'),
            { action: 'backup.list', params: {} },
            { traceId: origin.requestId },
          ),
        };
      case 'restart':
      case 'start':
      case 'stop': {
        const host = pickServiceHost(this.deps.fleet, intent.host);
        const step = adhocStep(intent.kind, intent.service, host);
        return this.startRun(
          {
            scenario: `adhoc:service.${intent.kind}`,
            title: `${intent.kind[0]!.toUpperCase()}${intent.kind.slice(1)} ${intent.service} on ${host}`,
            steps: [step],
          },
          actor,
          origin,
        );
      }
      case 'run':
        return this.runRunbook(intent.scenario, intent.value, intent.dryRun, actor, origin);
      case 'checklist':
        return this.runRunbook('verify', undefined, false, actor, origin);
      case 'backup_now':
        return this.runRunbook('backup', undefined, false, actor, origin);
      case 'rollback':
        return intent.tag === undefined
          ? { type: 'choose_tag' }
          : this.runRunbook('bad-release', intent.tag, false, actor, origin);
      case 'incident_open':
        return openIncident(this.deps, intent.title, intent.security, actor, origin);
      case 'incident_close':
        return closeIncident(this.deps, actor, origin);
      case 'report':
        return reportFor(this.deps, intent.incidentId, origin);
      case 'drill':
        return this.deps.drills
          ? this.deps.drills.start(intent.scenario, actor, origin)
          : { type: 'text', text: 'Drills are not available yet on this bot.' };
    }
  }

  /** Release tags for the rollback picker, newest first, from the first app host. */
  async releaseTags(requestId: string): Promise<{ tags: string[]; current: string | null; error?: string }> {
    const [host] = this.deps.fleet.withRole('app');
    if (host === undefined) return { tags: [], current: null, error: 'no app host in the fleet' };
    const result = await this.deps.hosts.run(
      host,
      { action: 'deploy.tags', params: { limit: 20 } },
      { traceId: requestId },
    );
    if (!result.ok) return { tags: [], current: null, error: result.error?.message ?? 'deploy.tags failed' };
    const data = result.data as { tags: Array<{ tag: string; current?: boolean }> };
    return { tags: data.tags.map((t) => t.tag), current: data.tags.find((t) => t.current)?.tag ?? null };
  }

  async runRunbook(
    scenario: string,
    value: string | undefined,
    dryRun: boolean,
    actor: Actor,
    origin: Origin,
    extra: { incidentId?: string } = {},
  ): Promise<Answer> {
    const runbook = this.deps.runbooks.get(scenario);
    if (runbook === undefined) throw new RecioError(ErrorCode.NotFound, `no runbook "${scenario}"`);
    const [firstParam] = Object.keys(runbook.params);
    const values: RunParams = firstParam !== undefined && value !== undefined ? { [firstParam]: value } : {};
    if (firstParam === undefined && value !== undefined)
      throw new RecioError(ErrorCode.InvalidParams, `${scenario} takes no value (got \`${value}\`)`);
    if (
      firstParam !== undefined &&
      runbook.params[firstParam]?.kind === 'service' &&
      value !== undefined &&
      !this.deps.vocabulary.services.includes(value)
    ) {
      throw new RecioError(ErrorCode.UnknownService, `unknown service \`${value}\``);
    }
    const steps = planRun(runbook, values, this.deps.fleet);
    return this.startRun(
      {
        scenario,
        title: `${runbook.title}${value ? ` (${value})` : ''}`,
        steps,
        params: { ...values, ...(runbook.parallel ? { parallel: true } : {}) },
        dryRun,
        ...extra,
      },
      actor,
      origin,
    );
  }

  private async startRun(
    input: {
      scenario: string;
      title: string;
      steps: Parameters<RunEngine['start']>[0]['steps'];
      params?: Record<string, string | boolean>;
      dryRun?: boolean;
      incidentId?: string;
    },
    actor: Actor,
    origin: Origin,
  ): Promise<Answer> {
    const { run, created } = await this.deps.engine.start({
      scenario: input.scenario,
      title: input.title,
      steps: input.steps,
      params: input.params ?? {},
      requestedBy: actor.id,
      dedupeKey: `run:${origin.deliveryKey}`,
      channel: origin.channel ?? this.deps.opsChannel ?? null,
      threadTs: origin.threadTs ?? null,
      incidentId: input.incidentId ?? (await this.incidentOfThread(origin)) ?? null,
      dryRun: input.dryRun ?? false,
      requestId: origin.requestId,
    });
    // A repeated delivery finds the run the first one started and does not drive it a second time.
    const done = created ? this.deps.engine.advance(run.id, actor.id) : Promise.resolve(run);
    done.catch(() => undefined);
    return { type: 'run', run, created, title: input.title, done };
  }

  /** Inside a security incident's thread only its role holders act (§4: compromised credentials). */
  private async securityThreadGuard(actor: Actor, intent: Intent, origin: Origin): Promise<Answer | undefined> {
    if (origin.threadTs === undefined || origin.channel === undefined || intent.kind === 'help') return undefined;
    const incident = await this.deps.store.incidents.findByThread(origin.channel, origin.threadTs);
    if (incident?.kind !== 'security') return undefined;
    return this.authorise(actor, 'security', `incident:${incident.id}:${intent.kind}`, origin);
  }

  private async incidentOfThread(origin: Origin): Promise<string | undefined> {
    if (origin.threadTs === undefined || origin.channel === undefined) return undefined;
    return (await this.deps.store.incidents.findByThread(origin.channel, origin.threadTs))?.id;
  }
}

/** A known error as the short sentence a person sees; anything else gets a reference to find it in the logs. */
export function describeError(error: unknown, reference: string): string {
  if (isRecioError(error)) return error.message;
  return `Something went wrong on our side (ref ${reference}). The details are in the bot's log.`;
}
