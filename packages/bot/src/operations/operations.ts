import { dumpChoices, restoreRequest } from './restore-requests.js';
import { recoverFromDump, recoveryDumps } from './recovery-dumps.js';
import { pitrOffer, restoreToTime, type PitrOffer } from './pitr-offer.js';
import { isRecioError } from '@recio/protocol/errors';
import type { Access, Denial } from '../access/access.js';
import { PERMISSION_OF, type Permission } from '../access/roles.js';
import type { Actor, BreakGlass, Incident, Origin } from '../domain/index.js';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { IncidentDesk } from '../incidents/desk.js';
import type { Intent, Vocabulary } from '../intents/intent.js';
import type { FleetView } from '../runbooks/plan.js';
import { drillDue, type DrillDue } from '../drills/drill-schedule.js';
import type { BackupCheck, Store } from '../store/index.js';
import { adhocStep, archiveStep, pickServiceHost } from './adhoc.js';
import { approvalTarget, type TypedTarget } from './approval-target.js';
import type { BreakGlassDoor, BreakGlassForm } from './break-glass.js';
import type { BreakGlassReviews } from './break-glass-review.js';
import type { Decisions } from './decisions.js';
import { type FleetOverview, readFleet } from './fleet-overview.js';
import { helpText } from './help.js';
import type { RunRequests } from './run-requests.js';
import type { Answer, Drills } from './types.js';

export interface OperationsDeps {
  store: Store;
  hosts: Hosts;
  fleet: FleetView;
  vocabulary: Vocabulary;
  access: Access;
  runs: RunRequests;
  decisions: Decisions;
  incidents: IncidentDesk;
  breakGlass: BreakGlassDoor;
  breakGlassReviews: BreakGlassReviews;
  opsChannel?: string | undefined;
  /** Whether the pitr-restore runbook is loaded: the point-in-time restore modal has something to run. */
  pitrLoaded?: boolean;
  /** RECIO_PITR_MARGIN_SECONDS: the modal proposes the incident's detection minus this. */
  pitrMarginSeconds?: number | undefined;
  /** Drills (`/recio drill`); made with this door, since a drill acts through it like a person. */
  drills?: (ops: Operations) => Drills;
}

/** Where archives are kept: every db host (price and snapshot exports) and app host (config, logs), once. */
const archiveHosts = (fleet: FleetView) => [...new Set([...fleet.withRole('db'), ...fleet.withRole('app')])];

/**
 * The one door into recio's behaviour for every edge (Slack, the console, the CLI) and the drills:
 * who may do what (refusals audited), intents turned into runs, reads and incidents, decisions
 * on approvals and gates. Its parts are its own; the edges ask it and never reach past it.
 */
export class Operations {
  private readonly drills: Drills | undefined;

  constructor(private readonly deps: OperationsDeps) {
    this.drills = deps.drills?.(this);
  }

  /** The services, hosts and scenarios the grammar knows. */
  get vocabulary(): Vocabulary {
    return this.deps.vocabulary;
  }

  /** Where the bot talks when a request has no channel of its own (the App Home, the CLI). */
  get opsChannel(): string | undefined {
    return this.deps.opsChannel;
  }

  /** The hosts running REC.IO's programs, for pickers that ask "on which host?". */
  appHosts(): string[] {
    return this.deps.fleet.withRole('app');
  }

  /** The last drill and the scenario next in turn (the reminder's button, the App Home). */
  drillDue(): Promise<DrillDue> {
    return drillDue(this.deps.store);
  }

  actorFor(userId: string): Promise<Actor> {
    return this.deps.access.actorFor(userId);
  }

  authorise(actor: Actor, permission: Permission | null, what: string, origin: Origin): Promise<Denial | undefined> {
    return this.deps.access.authorise(actor, permission, what, origin);
  }

  /** Records a refused request (bad input, unknown button) so the audit log shows every attempt. */
  auditRefusal(actorId: string, what: string, reason: string, origin: Origin, detail?: Record<string, string>) {
    return this.deps.access.auditRefusal(actorId, what, reason, origin, detail);
  }

  async handle(intent: Intent, actor: Actor, origin: Origin): Promise<Answer> {
    const { access, hosts, fleet, runs, incidents } = this.deps;
    const denied =
      (await access.authorise(actor, PERMISSION_OF[intent.kind], intent.kind, origin)) ??
      (await this.securityThreadGuard(actor, intent, origin));
    if (denied) return denied;
    const traceId = origin.requestId;
    switch (intent.kind) {
      case 'help':
        return { type: 'help', text: helpText(this.deps.vocabulary) };
      case 'status': {
        const names = intent.host ? [intent.host] : hosts.names();
        return {
          type: 'status',
          results: await hosts.fanOut(names, { action: 'service.status', params: {} }, { traceId }),
        };
      }
      case 'tail': {
        const host = pickServiceHost(fleet, intent.host);
        const params = { service: intent.service, lines: intent.lines };
        const result = await hosts.run(host, { action: 'service.tail', params }, { traceId });
        const lines = (result.data as { lines?: string[] } | undefined)?.lines ?? [];
        const error = result.ok ? {} : { error: result.error?.message ?? 'failed' };
        return { type: 'tail', host, service: intent.service, lines, ok: result.ok, ...error };
      }
      case 'backup_list': {
        const request = { action: 'backup.list', params: {} } as const;
        const archives = { action: 'archive.list', params: {} } as const;
        const [results, archived, restoreTests] = await Promise.all([
          hosts.fanOut(fleet.withRole('db'), request, { traceId }),
          hosts.fanOut(archiveHosts(fleet), archives, { traceId }),
          this.deps.store.backupChecks.list('restore-test'),
        ]);
        return { type: 'backups', results, archives: archived, restoreTests };
      }
      case 'backup_config': {
        const steps = fleet
          .withRole('app')
          .map((h) => archiveStep('Encrypted config archive', h, 'config.archive', {}));
        return runs.start(
          { scenario: 'adhoc:config.archive', title: 'Config and secrets archive now (§2.2)', steps },
          actor,
          origin,
        );
      }
      case 'backup_history': {
        const steps = archiveHosts(fleet).map((h) =>
          archiveStep('Logs and price history archive', h, 'history.archive', {}),
        );
        return runs.start(
          { scenario: 'adhoc:history.archive', title: 'Logs and history archive now (§2.3)', steps },
          actor,
          origin,
        );
      }
      case 'backup_restore': {
        const host = pickServiceHost(fleet, intent.host);
        const params = { file: intent.file, ...(intent.into ? { into: intent.into } : {}) };
        const steps = [archiveStep(`Restore ${intent.file} to a new directory`, host, 'config.restore', params)];
        return runs.start(
          { scenario: 'adhoc:config.restore', title: `Restore ${intent.file} to compare`, steps },
          actor,
          origin,
        );
      }
      case 'restart':
      case 'start':
      case 'stop': {
        const host = pickServiceHost(fleet, intent.host);
        const title = `${intent.kind[0]!.toUpperCase()}${intent.kind.slice(1)} ${intent.service} on ${host}`;
        const steps = [adhocStep(intent.kind, intent.service, host)];
        return runs.start({ scenario: `adhoc:service.${intent.kind}`, title, steps }, actor, origin);
      }
      case 'run':
        return runs.runRunbook(intent.scenario, intent.value, intent.dryRun, actor, origin);
      case 'checklist':
        return runs.runRunbook('verify', undefined, false, actor, origin);
      case 'backup_now':
        return runs.runRunbook('backup', undefined, false, actor, origin);
      case 'rollback':
        return intent.tag === undefined
          ? { type: 'choose_tag' }
          : runs.runRunbook('bad-release', intent.tag, false, actor, origin);
      case 'restore':
        return intent.file === undefined
          ? dumpChoices(hosts, fleet, traceId)
          : runs.start(restoreRequest(fleet, intent.file, intent.tables), actor, origin);
      case 'incident_open':
        return incidents.declare(intent.title, intent.security, actor, origin);
      case 'incident_close':
        return incidents.close(actor, origin, intent.reason);
      case 'report':
        return incidents.reportFor(intent.incidentId, origin);
      case 'drill':
        return this.drills
          ? this.drills.start(intent.scenario, actor, origin)
          : { type: 'text', text: 'Drills are not available on this bot.' };
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

  decideApproval(approvalId: string, decision: 'approved' | 'denied', actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.decisions.decideApproval(approvalId, decision, actor, origin);
  }

  confirmStep(stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.decisions.confirmStep(stepId, actor, origin);
  }

  cutShort(stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.decisions.cutShort(stepId, actor, origin);
  }

  skipStep(stepId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.decisions.skipStep(stepId, actor, origin);
  }

  cancelRun(runId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.decisions.cancelRun(runId, actor, origin);
  }

  /** What an approver must type before approving a destructive step (undefined: no modal needed). */
  approvalTarget(approvalId: string, actor: Actor): Promise<TypedTarget | undefined> {
    return approvalTarget(this.deps.store, approvalId, actor);
  }

  /** The target of an approval as the store has it now, whoever asks (to check what was typed). */
  approvalTargetNow(approvalId: string): Promise<TypedTarget | undefined> {
    return approvalTarget(this.deps.store, approvalId);
  }

  /** Before the break-glass modal: the target to type, or the refusal (audited). */
  breakGlassForm(approvalId: string, actor: Actor, origin: Origin): Promise<BreakGlassForm> {
    return this.deps.breakGlass.form(approvalId, actor, origin);
  }

  breakGlass(approvalId: string, input: { reason: string; typed: string }, actor: Actor, origin: Origin) {
    return this.deps.breakGlass.breakGlass(approvalId, input, actor, origin);
  }

  /** The target a break-glass on this approval must type, as the store has it now. */
  breakGlassTargetNow(approvalId: string): Promise<TypedTarget | undefined> {
    return this.deps.breakGlass.targetNow(approvalId);
  }

  /** Approvals that waited long enough get "Break glass" on their message (the approval sweep runs it). */
  offerBreakGlass = (): Promise<number> => this.deps.breakGlass.offerDue();

  breakGlassReviewForm = (id: string, actor: Actor, origin: Origin) =>
    this.deps.breakGlassReviews.form(id, actor, origin);

  reviewBreakGlass = (id: string, note: string, actor: Actor, origin: Origin): Promise<Answer> =>
    this.deps.breakGlassReviews.review(id, note, actor, origin);

  /** Reminders for unreviewed break-glasses, once per period (the leader's schedule runs it). */
  remindBreakGlass = (now?: Date): Promise<number> => this.deps.breakGlassReviews.remind(now);

  unreviewedBreakGlass = (): Promise<BreakGlass[]> => this.deps.breakGlassReviews.unreviewed();

  acknowledge(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.incidents.acknowledge(incidentId, actor, origin);
  }

  runRecovery(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.incidents.runRecovery(incidentId, actor, origin);
  }

  /** Run recovery's dump picker: the dumps, once the desk lets this person run the incident's recovery. */
  recoveryDumps(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return recoveryDumps(this.deps, incidentId, actor, origin);
  }

  /** Run recovery with the dump picked (checked against the listing), bound to the restore step. */
  recoverFromDump(incidentId: string, file: string | undefined, actor: Actor, origin: Origin): Promise<Answer> {
    return recoverFromDump(this.deps, incidentId, file, actor, origin);
  }

  /** Point-in-time restore's modal: the recoverable window and the proposed target, once the desk allows it. */
  pitrOffer(incidentId: string, actor: Actor, origin: Origin): Promise<PitrOffer | Answer> {
    return pitrOffer(this.pitrDeps(), incidentId, actor, origin);
  }

  /** The modal submitted: pitr-restore in the incident's thread with the typed target (checked). */
  restoreToTime(incidentId: string, typed: string, actor: Actor, origin: Origin): Promise<Answer> {
    return restoreToTime(this.pitrDeps(), incidentId, typed, actor, origin);
  }

  private pitrDeps() {
    const { pitrLoaded = false, pitrMarginSeconds } = this.deps;
    return { ...this.deps, pitrLoaded, pitrMarginSeconds };
  }

  openChecklist(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.incidents.openChecklist(incidentId, actor, origin);
  }

  resolveIncident(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    return this.deps.incidents.resolve(incidentId, actor, origin);
  }

  setRootCause(incidentId: string, rootCause: string, followUps: string, actor: Actor, origin: Origin) {
    return this.deps.incidents.setRootCause(incidentId, rootCause, followUps, actor, origin);
  }

  noteMessage(channel: string, threadTs: string, actorId: string, text: string): Promise<void> {
    return this.deps.incidents.noteMessage(channel, threadTs, actorId, text);
  }

  incident(incidentId: string): Promise<Incident | undefined> {
    return this.deps.store.incidents.get(incidentId);
  }

  openIncidents(): Promise<Incident[]> {
    return this.deps.store.incidents.listUnresolved();
  }

  /** The nightly restore test's last result per db host (App Home, the checklist). */
  restoreTests(): Promise<BackupCheck[]> {
    return this.deps.store.backupChecks.list('restore-test');
  }

  /** Every host's programs, database, feeds and backups, each with its own deadline (the App Home). */
  readFleet(options: { deadlineMs: number; traceId: string }): Promise<FleetOverview> {
    return readFleet(this.deps.hosts, options);
  }

  /** Inside a security incident's thread only its role holders act (§4: compromised credentials). */
  private async securityThreadGuard(actor: Actor, intent: Intent, origin: Origin): Promise<Denial | undefined> {
    if (origin.threadTs === undefined || origin.channel === undefined || intent.kind === 'help') return undefined;
    const incident = await this.deps.store.incidents.findByThread(origin.channel, origin.threadTs);
    if (incident?.kind !== 'security') return undefined;
    return this.deps.access.authorise(actor, 'security', `incident:${incident.id}:${intent.kind}`, origin);
  }
}

/** A known error as the short sentence a person sees; anything else gets a reference to find it in the logs. */
export function describeError(error: unknown, reference: string): string {
  if (isRecioError(error)) return error.message;
  return `Something went wrong on our side (ref ${reference}). The details are in the bot's log.`;
}
