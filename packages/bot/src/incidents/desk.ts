import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { redactSecrets } from '@recio/protocol/redact';
import type { Access } from '../access/access.js';
import type { Actor, Incident, Origin } from '../domain/index.js';
import type { RunRequests } from '../operations/run-requests.js';
import type { Answer } from '../operations/types.js';
import { PITR_RUNBOOK } from '../runbooks/pitr-choice.js';
import { incidentPostKey } from '../runbooks/run-notices.js';
import { recordTransition } from '../runbooks/transition.js';
import type { Store, StoreLogger } from '../store/index.js';
import { CauseLinks } from './causes.js';
import { classify, type Classified, type Failure } from './failure.js';
import { defaultTopology, type Topology } from '../runbooks/topology.js';
import { minutesBetween, MONITOR, postIncident, replyInThread, updateIncident } from './incident-messages.js';
import { durations, formatDuration, loadReportData, renderReport } from './report.js';
import { drawReportPicture } from './timeline-picture/report-picture.js';

export { MONITOR } from './incident-messages.js';

export interface IncidentDeskDeps {
  store: Store;
  access: Access;
  runs: RunRequests;
  logger: StoreLogger;
  opsChannel?: string | undefined;
  /** How long an untouched monitor incident stays quiet after recovering before it resolves itself (10 min). */
  quietMs?: number;
  /** Told once an incident is resolved (the metrics): how, opened→resolved seconds, checklist green. */
  onResolved?: (how: 'person' | 'quiet', seconds: number, checklistGreen: boolean) => void;
  /** The dependencies (commands/topology.yml): which open incident a failure is a symptom of. */
  topology?: Topology;
  /** Told after a change with messages is committed (the publisher sends without waiting). */
  onChange?: () => void;
}

type IncidentPermission = 'view' | 'operate' | 'resolve' | 'root_cause';

const ACTIVE_RUN = ['pending', 'running', 'awaiting_approval'];

/** A reason to close with a checklist that is not green: a few words at least, not `ok`. */
const MIN_REASON = 10;

/**
 * Incidents from detection to report, behind one service for every surface: one thread per fault
 * (a flap joins the open incident, never opens a second), declared by hand or opened by the
 * monitor, its timeline, acknowledgement, recovery and checklist runs started in the thread,
 * Resolve offered when the checklist is green and the probes are healthy, and one way to resolve
 * (the button and `/recio incident close` alike) that writes the report.
 */
export class IncidentDesk {
  readonly topology: Topology;
  private readonly causes: CauseLinks;

  constructor(private readonly deps: IncidentDeskDeps) {
    this.topology = deps.topology ?? defaultTopology();
    this.causes = new CauseLinks({ ...deps, topology: this.topology });
  }

  /**
   * A failure seen by the monitor. A symptom of an open cause (commands/topology.yml) joins the
   * cause's incident; otherwise it opens its incident or joins the open one with the same
   * fingerprint, and a new cause's incident takes in the symptom incidents opened before it.
   */
  async reportFailure(failure: Failure): Promise<{ incident: Incident; created: boolean }> {
    const c = classify(failure);
    const cause = await this.causes.openCauseOf(c.fingerprint);
    if (cause !== undefined) {
      const incident = await this.causes.joinAsSymptom(cause, failure, c);
      this.deps.onChange?.();
      return { incident, created: false };
    }
    const opened = await this.openOrJoin(failure, c);
    if (opened.created) await this.causes.mergeSymptomsInto(opened.incident);
    this.deps.onChange?.();
    return opened;
  }

  private async openOrJoin(failure: Failure, c: Classified): Promise<{ incident: Incident; created: boolean }> {
    const result = await this.deps.store.withTransaction(async (tx) => {
      const { incident, created } = await tx.incidents.openOrJoin({
        fingerprint: c.fingerprint,
        kind: 'incident',
        title: c.title,
        severity: c.severity,
        openedBy: MONITOR,
        scenario: c.scenario,
        channel: this.deps.opsChannel ?? null,
        detail: { ...failure, ...(c.value ? { value: c.value } : {}) } as never,
      });
      if (created) {
        await recordTransition(tx, {
          actor: MONITOR,
          incidentId: incident.id,
          kind: 'detected',
          text: redactSecrets(failure.detail),
          detail: { failure: failure.kind, host: failure.host ?? null, state: failure.state },
          audit: {
            action: 'incident.opened',
            target: `incident:${incident.id}`,
            outcome: 'ok',
            detail: { fingerprint: c.fingerprint, severity: c.severity, scenario: c.scenario },
          },
          tell: [(t) => postIncident(t, incident, `:rotating_light: ${c.title}`)],
        });
      } else {
        // Failing again: no longer recovered, and said in the thread where people look.
        await tx.incidents.setRecovered(incident.id, false);
        await recordTransition(tx, {
          actor: MONITOR,
          incidentId: incident.id,
          kind: 'recurred',
          text: `seen again (${incident.occurrences}×): ${redactSecrets(failure.detail)}`,
          detail: { state: failure.state },
          tell: [
            (t) =>
              replyInThread(
                t,
                incident,
                `seen:${incident.occurrences}`,
                `:repeat: Seen again (${incident.occurrences}×): ${redactSecrets(failure.detail)}`,
              ),
            (t) =>
              updateIncident(t, incident, `seen:${incident.occurrences}`, `${c.title} (seen ${incident.occurrences}×)`),
          ],
        });
      }
      return { incident, created };
    });
    return result;
  }

  /**
   * A probe found the fault's subject healthy again: told in the thread, and Resolve offered if the checklist is
   * green.
   */
  async reportHealthy(fingerprint: string, detail: string): Promise<void> {
    const incident = await this.deps.store.incidents.findUnresolved(fingerprint);
    if (incident === undefined) return;
    await this.deps.store.withTransaction(async (tx) => {
      await tx.timeline.add({
        incidentId: incident.id,
        actor: MONITOR,
        kind: 'probe_healthy',
        text: redactSecrets(detail),
        detail: {},
      });
      const moved = await tx.incidents.setRecovered(incident.id, true);
      if (!moved?.changed || moved.incident.recoveredAt === null) return;
      const at = moved.incident.recoveredAt;
      const text =
        `:white_check_mark: Recovered at ${at.toISOString().slice(11, 19)} UTC, ` +
        `after ${minutesBetween(moved.incident.openedAt, at)} min: ${redactSecrets(detail)}`;
      await replyInThread(tx, moved.incident, `recovered:${at.getTime()}`, text);
      await updateIncident(tx, moved.incident, `recovered:${at.getTime()}`, text);
    });
    this.deps.onChange?.();
    await this.offerResolveIfReady(incident.id);
  }

  /**
   * An incident the monitor opened and nobody touched (no acknowledgement, no run, no person on its
   * timeline), recovered and quiet for the quiet period, resolves itself with a short report that
   * says so. One that people worked on is offered Resolve instead (offerResolveIfReady).
   */
  async resolveQuiet(now = new Date()): Promise<string[]> {
    const quietMs = this.deps.quietMs ?? 10 * 60_000;
    const resolved: string[] = [];
    for (const incident of await this.deps.store.incidents.listUnresolved()) {
      if (incident.openedBy !== MONITOR || incident.status !== 'open' || incident.recoveredAt === null) continue;
      if (now.getTime() - incident.recoveredAt.getTime() < quietMs) continue;
      const events = await this.deps.store.timeline.list({ incidentId: incident.id });
      if (events.some((e) => e.actor !== MONITOR || e.runId !== null)) continue;
      const after = await this.deps.store.withTransaction(async (tx) => {
        const { changed, incident: moved } = await tx.incidents.advance(incident.id, 'resolved', MONITOR);
        if (!changed) return undefined;
        await tx.audit.append({
          actor: MONITOR,
          action: 'incident.resolved',
          target: `incident:${incident.id}`,
          outcome: 'ok',
          detail: { quiet: true, quietMinutes: Math.round(quietMs / 60_000) },
        });
        return moved;
      });
      if (after === undefined) continue;
      await this.announceResolved(after, 'the monitor (quiet since it recovered, nobody worked on it)');
      this.deps.onResolved?.('quiet', (durations(after).resolve ?? 0) / 1000, false);
      resolved.push(incident.id);
    }
    return resolved;
  }

  /** Mitigated = the latest checklist in the thread is green and the monitor sees the fault healthy. */
  async offerResolveIfReady(incidentId: string): Promise<boolean> {
    const data = await loadReportData(this.deps.store, incidentId);
    if (data === undefined || data.incident.status === 'resolved' || data.incident.status === 'mitigated') return false;
    const checklist = data.runs.filter((r) => r.run.scenario === 'verify').at(-1);
    const green = checklist?.run.state === 'succeeded' && checklist.steps.every((s) => s.state === 'succeeded');
    const lastProbe = data.events
      .filter((e) => e.kind === 'probe_healthy' || e.kind === 'recurred' || e.kind === 'detected')
      .at(-1);
    const healthy = data.incident.openedBy !== MONITOR || lastProbe?.kind === 'probe_healthy';
    if (!green || !healthy) return false;
    await this.deps.store.withTransaction(async (tx) => {
      const { changed, incident } = await tx.incidents.advance(incidentId, 'mitigated', MONITOR);
      const text = `Mitigated: ${incident.title} — checklist green, probes healthy. Resolve?`;
      if (changed) await updateIncident(tx, incident, 'mitigated', text);
    });
    this.deps.onChange?.();
    return true;
  }

  /**
   * `/recio incident open <title>`: an incident declared by hand, with its parent message in the
   * channel (the thread everything after it goes into). `--security` makes it a security incident.
   */
  async declare(title: string, security: boolean, actor: Actor, origin: Origin): Promise<Answer> {
    const channel = origin.channel ?? this.deps.opsChannel;
    const incident = await this.deps.store.withTransaction(async (tx) => {
      // A hand-declared incident is its own fault: the delivery key makes a retried command join it.
      const { incident, created } = await tx.incidents.openOrJoin({
        fingerprint: `manual:${origin.deliveryKey}`,
        kind: security ? 'security' : 'incident',
        title,
        severity: security ? 'sev1' : 'sev2',
        openedBy: actor.id,
        channel: channel ?? null,
      });
      if (!created) return incident;
      const mentions = this.deps.access.securityMentions();
      const text = security
        ? `:lock: Security incident: ${title}. ` +
          `${mentions || 'No security_officer is configured (RECIO_SECURITY_OFFICERS).'} ` +
          'Only the security_officer and lead_operators act in this thread.'
        : `Incident: ${title}`;
      await recordTransition(tx, {
        actor: actor.id,
        incidentId: incident.id,
        kind: 'opened',
        text: `declared by hand: ${title}`,
        detail: { security },
        audit: {
          action: 'incident.opened',
          target: `incident:${incident.id}`,
          outcome: 'ok',
          detail: { title, security },
          requestId: origin.requestId,
        },
        tell: [(t) => postIncident(t, incident, text)],
      });
      return incident;
    });
    this.deps.onChange?.();
    const where = `<#${channel ?? 'the ops channel'}>`;
    return { type: 'text', text: `Incident ${incident.id.slice(0, 8)} opened: ${title}. Its thread is in ${where}.` };
  }

  /** `/recio incident close`: this channel's (or this thread's) one open incident, resolved as Resolve does. */
  async close(actor: Actor, origin: Origin, reason?: string): Promise<Answer> {
    const open = (await this.deps.store.incidents.listUnresolved()).filter(
      (i) => i.channel === (origin.channel ?? this.deps.opsChannel),
    );
    const inThread = origin.threadTs ? open.filter((i) => i.threadTs === origin.threadTs) : open;
    if (inThread.length === 0) return { type: 'text', text: 'No open incident here.' };
    if (inThread.length > 1) {
      const list = inThread.map((i) => `${i.id.slice(0, 8)} ${i.title}`).join('; ');
      return {
        type: 'text',
        text:
          `${inThread.length} incidents are open here: ` +
          `close one from its thread with \`@recio incident close\`. Open: ${list}`,
      };
    }
    return this.resolve(inThread[0]!.id, actor, origin, reason);
  }

  /** `/recio report [id]`: the stored report, or a note that it is not written yet. */
  async reportFor(ref: string | undefined, origin: Origin): Promise<Answer> {
    const { store } = this.deps;
    const open = await store.incidents.listUnresolved();
    const incident =
      ref === undefined
        ? open.filter((i) => i.channel === origin.channel).at(-1)
        : ((await store.incidents.get(ref)) ?? open.find((i) => i.id.startsWith(ref)));
    if (incident === undefined)
      return { type: 'text', text: ref ? `No incident ${ref}.` : 'Which incident? `/recio report <id>`.' };
    return {
      type: 'report',
      incidentId: incident.id,
      markdown: incident.report ?? `# ${incident.title}\n\n_The report is written when the incident is resolved._\n`,
    };
  }

  async acknowledge(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const refused = await this.guard(incidentId, actor, 'operate', origin);
    if ('type' in refused) return refused;
    const { changed, incident } = await this.deps.store.withTransaction(async (tx) => {
      const moved = await tx.incidents.advance(incidentId, 'acknowledged', actor.id);
      // The store's advance writes the timeline entry; the audit row and the parent's update go beside it.
      if (moved.changed) {
        await tx.audit.append({
          actor: actor.id,
          action: 'incident.acknowledged',
          target: `incident:${incidentId}`,
          outcome: 'ok',
          detail: {},
          requestId: origin.requestId,
        });
        await updateIncident(tx, moved.incident, 'acknowledged', `Acknowledged by ${actor.id}`);
      }
      return moved;
    });
    this.deps.onChange?.();
    const by = incident.acknowledgedBy ? ` (acknowledged by <@${incident.acknowledgedBy}>)` : '';
    return { type: 'text', text: changed ? `Acknowledged: ${incident.title}.` : `Already ${incident.status}${by}.` };
  }

  /**
   * "Run recovery": the incident's runbook, in its thread. A double click lands on the same run.
   * `picked.file`: the dump a person chose in Run recovery's picker, bound as the restore step's
   * file (without it, the newest dump is bound when the approval is asked, as for the drills).
   */
  async runRecovery(incidentId: string, actor: Actor, origin: Origin, picked: { file?: string } = {}): Promise<Answer> {
    const incident = await this.recoverable(incidentId, actor, origin);
    if ('type' in incident) return incident;
    if (incident.status === 'open') await this.acknowledge(incident.id, actor, origin);
    const { scenario } = incident;
    const finished = await this.finishedRuns(incident, scenario);
    const value = (incident.detail as { value?: string }).value;
    const where = this.inThread(incident, origin, `recovery:${finished}`);
    return this.deps.runs.runRunbook(scenario, value, false, actor, where, {
      incidentId: incident.id,
      ...(picked.file === undefined ? {} : { restoreFile: picked.file }),
    });
  }

  /**
   * Point-in-time restore from the incident's parent: the `pitr-restore` runbook in its thread, tied
   * to the incident, with the target the person confirmed in the modal. The same checks, the same
   * acknowledgement and the same kind of run key as Run recovery: a double submit lands on one run.
   * The target is checked against the recoverable window when its approval is asked (pitr-choice.ts).
   */
  async runPitr(incidentId: string, target: string, actor: Actor, origin: Origin): Promise<Answer> {
    const incident = await this.recoverable(incidentId, actor, origin);
    if ('type' in incident) return incident;
    if (incident.status === 'open') await this.acknowledge(incident.id, actor, origin);
    const finished = await this.finishedRuns(incident, PITR_RUNBOOK);
    const where = this.inThread(incident, origin, `pitr:${finished}`);
    return this.deps.runs.runRunbook(PITR_RUNBOOK, target, false, actor, where, { incidentId: incident.id });
  }

  /**
   * The incident, if this actor may run its recovery and it has a runbook; otherwise the answer
   * that says why (a refusal audited). Run recovery's dump picker asks before it lists anything.
   */
  async recoverable(
    incidentId: string,
    actor: Actor,
    origin: Origin,
  ): Promise<(Incident & { scenario: string }) | Answer> {
    const incident = await this.guard(incidentId, actor, 'operate', origin);
    if ('type' in incident) return incident;
    if (incident.scenario === null)
      return {
        type: 'text',
        text: 'This incident has no matching runbook: run one with `/recio run <scenario>` in the thread.',
      };
    return { ...incident, scenario: incident.scenario };
  }

  async openChecklist(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const incident = await this.guard(incidentId, actor, 'view', origin);
    if ('type' in incident) return incident;
    const finished = await this.finishedRuns(incident, 'verify');
    const where = this.inThread(incident, origin, `checklist:${finished}`);
    const answer = await this.deps.runs.runRunbook('verify', undefined, false, actor, where, {
      incidentId: incident.id,
    });
    if (answer.type === 'run') {
      // A failed checklist run is told in its thread by the engine; here only Resolve is offered.
      answer.done
        .then(() => this.offerResolveIfReady(incident.id))
        .catch((error: unknown) => this.deps.logger.warn({ err: error, incidentId }, 'could not offer Resolve'));
    }
    return answer;
  }

  /** Resolve (the button) and `/recio incident close`: resolved once, the report written and posted. */
  async resolve(incidentId: string, actor: Actor, origin: Origin, reason?: string): Promise<Answer> {
    const incident = await this.guard(incidentId, actor, 'resolve', origin);
    if ('type' in incident) return incident;
    if (incident.status === 'resolved') {
      const by = incident.resolvedBy ? `by <@${incident.resolvedBy}>` : 'earlier';
      return { type: 'text', text: `Already resolved (${by}).` };
    }
    const checklist = await this.checklistState(incidentId);
    const why = reason?.trim() ?? '';
    if (!checklist.green && why.length < MIN_REASON) {
      // Not refused: asked. The reason goes into the report.
      await this.deps.store.audit.append({
        actor: actor.id,
        action: 'incident.close_needs_reason',
        target: `incident:${incidentId}`,
        outcome: 'denied',
        detail: { checklist: checklist.text, reasonLength: why.length },
        requestId: origin.requestId,
      });
      return {
        type: 'text',
        text:
          `The checklist is not green (${checklist.text}). ` +
          `To close anyway, say why (at least ${MIN_REASON} characters): ` +
          '`/recio incident close <reason>` in the thread. The report will show it.',
      };
    }
    const resolved = await this.deps.store.withTransaction(async (tx) => {
      const { changed, incident: after } = await tx.incidents.advance(incidentId, 'resolved', actor.id);
      if (!changed) return undefined;
      if (!checklist.green)
        await tx.timeline.add({
          incidentId,
          actor: actor.id,
          kind: 'closed_not_green',
          text: `closed with the checklist not green (${checklist.text}): ${redactSecrets(why).slice(0, 1000)}`,
          detail: {},
        });
      await tx.audit.append({
        actor: actor.id,
        action: 'incident.resolved',
        target: `incident:${incidentId}`,
        outcome: 'ok',
        detail: {
          checklistGreen: checklist.green,
          ...(checklist.green ? {} : { reason: redactSecrets(why).slice(0, 1000) }),
        },
        requestId: origin.requestId,
      });
      return after;
    });
    if (resolved === undefined) {
      const by = incident.resolvedBy ? `by <@${incident.resolvedBy}>` : 'earlier';
      return { type: 'text', text: `Already resolved (${by}).` };
    }
    await this.announceResolved(resolved, actor.id);
    const d = durations(resolved);
    this.deps.onResolved?.('person', (d.resolve ?? 0) / 1000, checklist.green);
    const times =
      `Time to acknowledge ${formatDuration(d.acknowledge)}, to mitigate ${formatDuration(d.mitigate)}, ` +
      `to resolve ${formatDuration(d.resolve)}.`;
    return { type: 'text', text: `Resolved: ${resolved.title}. ${times} The report is in the thread.` };
  }

  /** The latest checklist run in the thread: green (every item passed), or what is missing, in words. */
  private async checklistState(incidentId: string): Promise<{ green: boolean; text: string }> {
    const data = await loadReportData(this.deps.store, incidentId);
    const checklist = data?.runs.filter((r) => r.run.scenario === 'verify').at(-1);
    if (checklist === undefined) return { green: false, text: 'it was not run' };
    const open = checklist.steps.filter((s) => s.state !== 'succeeded');
    if (checklist.run.state === 'succeeded' && open.length === 0) return { green: true, text: 'green' };
    return { green: false, text: `${open.length} of ${checklist.steps.length} items not passed` };
  }

  /** The report written, the parent updated and the report uploaded into the thread. */
  private async announceResolved(resolved: Incident, by: string): Promise<void> {
    const incidentId = resolved.id;
    const markdown = await this.writeReport(incidentId);
    // The timeline picture goes up in the same share as the Markdown (drawn before the
    // transaction: a second or so of Vega and resvg, never inside a database transaction).
    const data = resolved.channel ? await loadReportData(this.deps.store, incidentId) : undefined;
    const drawn = data ? await drawReportPicture(data, this.deps.logger) : undefined;
    const resolvedAt = resolved.resolvedAt?.getTime();
    await this.deps.store.withTransaction(async (tx) => {
      await updateIncident(tx, resolved, 'resolved', `Resolved by ${by}`);
      if (!resolved.channel) return;
      await tx.outbox.enqueue({
        dedupeKey: `${incidentPostKey(incidentId)}:report:${resolvedAt}`,
        channel: resolved.channel,
        kind: 'upload',
        threadOf: incidentPostKey(incidentId),
        payload: {
          text: `Incident report — ${resolved.title}`,
          filename: `incident-${incidentId.slice(0, 8)}.md`,
          content: markdown,
          ...(drawn && 'picture' in drawn ? { picture: { ...drawn.picture } } : {}),
          event: { type: 'incident', incidentId },
        },
      });
      if (drawn && 'failure' in drawn) await replyInThread(tx, resolved, `picture-failed:${resolvedAt}`, drawn.failure);
    });
    this.deps.onChange?.();
  }

  /** The system_architect's root cause and follow-ups; the stored report is rewritten with them. */
  async setRootCause(
    incidentId: string,
    rootCause: string,
    followUps: string,
    actor: Actor,
    origin: Origin,
  ): Promise<Answer> {
    const incident = await this.guard(incidentId, actor, 'root_cause', origin);
    if ('type' in incident) return incident;
    await this.deps.store.withTransaction(async (tx) => {
      await tx.incidents.setRootCause(
        incidentId,
        redactSecrets(rootCause.slice(0, 3000)),
        redactSecrets(followUps.slice(0, 3000)),
      );
      await recordTransition(tx, {
        actor: actor.id,
        incidentId,
        kind: 'root_cause',
        text: 'root cause and follow-ups written',
        audit: {
          action: 'incident.root_cause',
          target: `incident:${incidentId}`,
          outcome: 'ok',
          requestId: origin.requestId,
        },
      });
    });
    await this.writeReport(incidentId);
    return { type: 'text', text: 'Root cause and follow-ups recorded in the report.' };
  }

  /** A message in an incident thread (an @recio mention, a note) goes on the timeline. */
  async noteMessage(channel: string, threadTs: string, actorId: string, text: string): Promise<void> {
    const incident = await this.deps.store.incidents.findByThread(channel, threadTs);
    if (incident === undefined) return;
    await this.deps.store.timeline.add({
      incidentId: incident.id,
      actor: actorId,
      kind: 'message',
      text: redactSecrets(text).slice(0, 500),
      detail: {},
    });
  }

  async writeReport(incidentId: string): Promise<string> {
    const data = await loadReportData(this.deps.store, incidentId);
    if (data === undefined) throw new RecioError(ErrorCode.NotFound, `no incident ${incidentId}`);
    const markdown = renderReport(data);
    await this.deps.store.incidents.setReport(incidentId, markdown);
    return markdown;
  }

  /** The incident, if the actor may act on it (security incidents only for their role holders). */
  private async guard(
    incidentId: string,
    actor: Actor,
    permission: IncidentPermission,
    origin: Origin,
  ): Promise<Incident | Answer> {
    const { access } = this.deps;
    const incident = await this.deps.store.incidents.get(incidentId);
    if (incident === undefined) {
      await access.auditRefusal(actor.id, `incident:${incidentId.slice(0, 40)}`, 'unknown', origin);
      return { type: 'text', text: 'That incident is unknown. Nothing was done.' };
    }
    const what = `incident:${incidentId}`;
    const denied =
      (await access.authorise(actor, permission, what, origin)) ??
      (incident.kind === 'security' ? await access.authorise(actor, 'security', what, origin) : undefined);
    return denied ?? incident;
  }

  /**
   * How many runs of a scenario in this incident have ended: the next one gets a fresh key. So a
   * click or submit while a run is in flight joins it (two people, two forms, one run), and one after
   * it ended is a new attempt. The same delivery twice never gets here: the Slack edge claims it
   * (trigger or view id).
   */
  private async finishedRuns(incident: Incident, scenario: string): Promise<number> {
    const data = await loadReportData(this.deps.store, incident.id);
    return data?.runs.filter((r) => r.run.scenario === scenario && !ACTIVE_RUN.includes(r.run.state)).length ?? 0;
  }

  private inThread(incident: Incident, origin: Origin, what: string): Origin {
    const channel = incident.channel ?? origin.channel;
    return {
      ...origin,
      ...(channel ? { channel } : {}),
      ...(incident.threadTs ? { threadTs: incident.threadTs } : {}),
      deliveryKey: `incident:${incident.id}:${what}`,
    };
  }
}
