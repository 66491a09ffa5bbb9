import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Operations } from '../operations/operations.js';
import type { Answer } from '../operations/types.js';
import { incidentPostKey } from '../runbooks/run-notices.js';
import type { Repos, Store } from '../store/index.js';
import { redactSecrets } from '@recio/protocol/redact';
import { classify, type Failure } from './failure.js';
import { durations, formatDuration, loadReportData, renderReport } from './report.js';
import type { Actor, Incident, Origin } from '../domain/index.js';

/** Who the monitor is in timelines and audit rows. */
export const MONITOR = 'monitor';

const event = (incident: Incident) => ({ type: 'incident', incidentId: incident.id });

/**
 * Incidents from detection to report: one thread per fault (a flap joins the open incident, never
 * opens a second), its timeline, acknowledgement, recovery and checklist runs started in the
 * thread, Resolve offered when the checklist is green and the probes are healthy, and the report.
 */
export class IncidentDesk {
  constructor(
    private readonly store: Store,
    private readonly ops: Operations,
    private readonly options: { opsChannel?: string | undefined; onChange?: () => void },
  ) {}

  /** A failure seen by the monitor: opens its incident, or joins the open one with the same fingerprint. */
  async reportFailure(failure: Failure): Promise<{ incident: Incident; created: boolean }> {
    const c = classify(failure);
    const result = await this.store.withTransaction(async (tx) => {
      const { incident, created } = await tx.incidents.openOrJoin({
        fingerprint: c.fingerprint,
        kind: 'incident',
        title: c.title,
        severity: c.severity,
        openedBy: MONITOR,
        scenario: c.scenario,
        channel: this.options.opsChannel ?? null,
        detail: { ...failure, ...(c.value ? { value: c.value } : {}) } as never,
      });
      if (created) {
        await tx.timeline.add({
          incidentId: incident.id,
          actor: MONITOR,
          kind: 'detected',
          text: redactSecrets(failure.detail),
          detail: { failure: failure.kind, host: failure.host ?? null, state: failure.state },
        });
        await this.post(tx, incident, `:rotating_light: ${c.title}`);
        await tx.audit.append({
          actor: MONITOR,
          action: 'incident.opened',
          target: `incident:${incident.id}`,
          outcome: 'ok',
          detail: { fingerprint: c.fingerprint, severity: c.severity, scenario: c.scenario },
        });
      } else {
        await tx.timeline.add({
          incidentId: incident.id,
          actor: MONITOR,
          kind: 'recurred',
          text: `seen again (${incident.occurrences}×): ${redactSecrets(failure.detail)}`,
          detail: { state: failure.state },
        });
        await this.update(tx, incident, `seen:${incident.occurrences}`, `${c.title} (seen ${incident.occurrences}×)`);
      }
      return { incident, created };
    });
    this.options.onChange?.();
    return result;
  }

  /** A probe found the fault's subject healthy again: told in the thread, and Resolve offered if the checklist is green. */
  async reportHealthy(fingerprint: string, detail: string): Promise<void> {
    const incident = await this.store.incidents.findUnresolved(fingerprint);
    if (incident === undefined) return;
    await this.store.timeline.add({
      incidentId: incident.id,
      actor: MONITOR,
      kind: 'probe_healthy',
      text: redactSecrets(detail),
      detail: {},
    });
    await this.offerResolveIfReady(incident.id);
  }

  /** Mitigated = the latest checklist in the thread is green and the monitor sees the fault healthy. */
  async offerResolveIfReady(incidentId: string): Promise<boolean> {
    const data = await loadReportData(this.store, incidentId);
    if (data === undefined || data.incident.status === 'resolved' || data.incident.status === 'mitigated') return false;
    const checklist = data.runs.filter((r) => r.run.scenario === 'verify').at(-1);
    const green = checklist?.run.state === 'succeeded' && checklist.steps.every((s) => s.state === 'succeeded');
    const lastProbe = data.events
      .filter((e) => e.kind === 'probe_healthy' || e.kind === 'recurred' || e.kind === 'detected')
      .at(-1);
    const healthy = data.incident.openedBy !== MONITOR || lastProbe?.kind === 'probe_healthy';
    if (!green || !healthy) return false;
    await this.store.withTransaction(async (tx) => {
      const { changed, incident } = await tx.incidents.advance(incidentId, 'mitigated', MONITOR);
      if (changed)
        await this.update(
          tx,
          incident,
          'mitigated',
          `Mitigated: ${incident.title} — checklist green, probes healthy. Resolve?`,
        );
    });
    this.options.onChange?.();
    return true;
  }

  async acknowledge(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const refused = await this.guard(incidentId, actor, 'operate', origin);
    if ('type' in refused) return refused;
    const { changed, incident } = await this.store.withTransaction(async (tx) => {
      const moved = await tx.incidents.advance(incidentId, 'acknowledged', actor.id);
      if (moved.changed) {
        await this.update(tx, moved.incident, 'acknowledged', `Acknowledged by ${actor.id}`);
        await tx.audit.append({
          actor: actor.id,
          action: 'incident.acknowledged',
          target: `incident:${incidentId}`,
          outcome: 'ok',
          detail: {},
          requestId: origin.requestId,
        });
      }
      return moved;
    });
    this.options.onChange?.();
    return {
      type: 'text',
      text: changed
        ? `Acknowledged: ${incident.title}.`
        : `Already ${incident.status}${incident.acknowledgedBy ? ` (acknowledged by <@${incident.acknowledgedBy}>)` : ''}.`,
    };
  }

  /** "Run recovery": the incident's runbook, in its thread. A double click lands on the same run. */
  async runRecovery(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const incident = await this.guard(incidentId, actor, 'operate', origin);
    if ('type' in incident) return incident;
    if (incident.scenario === null)
      return {
        type: 'text',
        text: 'This incident has no matching runbook: run one with `/recio run <scenario>` in the thread.',
      };
    await this.acknowledgeQuietly(incident, actor, origin);
    const finished =
      (await loadReportData(this.store, incident.id))?.runs.filter(
        (r) =>
          r.run.scenario === incident.scenario && !['pending', 'running', 'awaiting_approval'].includes(r.run.state),
      ).length ?? 0;
    const value = (incident.detail as { value?: string }).value;
    return this.ops.runRunbook(
      incident.scenario,
      value,
      false,
      actor,
      this.inThread(incident, origin, `recovery:${finished}`),
      { incidentId: incident.id },
    );
  }

  async openChecklist(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const incident = await this.guard(incidentId, actor, 'view', origin);
    if ('type' in incident) return incident;
    const finished =
      (await loadReportData(this.store, incident.id))?.runs.filter(
        (r) => r.run.scenario === 'verify' && !['pending', 'running', 'awaiting_approval'].includes(r.run.state),
      ).length ?? 0;
    const answer = await this.ops.runRunbook(
      'verify',
      undefined,
      false,
      actor,
      this.inThread(incident, origin, `checklist:${finished}`),
      { incidentId: incident.id },
    );
    if (answer.type === 'run') answer.done.then(() => this.offerResolveIfReady(incident.id)).catch(() => undefined);
    return answer;
  }

  async resolve(incidentId: string, actor: Actor, origin: Origin): Promise<Answer> {
    const incident = await this.guard(incidentId, actor, 'resolve', origin);
    if ('type' in incident) return incident;
    const resolved = await this.store.withTransaction(async (tx) => {
      const { changed, incident: after } = await tx.incidents.advance(incidentId, 'resolved', actor.id);
      if (!changed) return undefined;
      await tx.audit.append({
        actor: actor.id,
        action: 'incident.resolved',
        target: `incident:${incidentId}`,
        outcome: 'ok',
        detail: {},
        requestId: origin.requestId,
      });
      return after;
    });
    if (resolved === undefined)
      return {
        type: 'text',
        text: `Already resolved (${incident.resolvedBy ? `by <@${incident.resolvedBy}>` : 'earlier'}).`,
      };
    const markdown = await this.writeReport(incidentId);
    const d = durations(resolved);
    await this.store.withTransaction(async (tx) => {
      await this.update(tx, resolved, 'resolved', `Resolved by ${actor.id}`);
      if (resolved.channel) {
        await tx.outbox.enqueue({
          dedupeKey: `${incidentPostKey(incidentId)}:report:${resolved.resolvedAt?.getTime()}`,
          channel: resolved.channel,
          kind: 'upload',
          threadOf: incidentPostKey(incidentId),
          payload: {
            text: `Incident report — ${resolved.title}`,
            filename: `incident-${incidentId.slice(0, 8)}.md`,
            content: markdown,
            event: event(resolved),
          },
        });
      }
    });
    this.options.onChange?.();
    return {
      type: 'text',
      text: `Resolved: ${resolved.title}. Time to acknowledge ${formatDuration(d.acknowledge)}, to mitigate ${formatDuration(d.mitigate)}, to resolve ${formatDuration(d.resolve)}. The report is in the thread.`,
    };
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
    await this.store.incidents.setRootCause(
      incidentId,
      redactSecrets(rootCause.slice(0, 3000)),
      redactSecrets(followUps.slice(0, 3000)),
    );
    await this.store.timeline.add({
      incidentId,
      actor: actor.id,
      kind: 'root_cause',
      text: 'root cause and follow-ups written',
      detail: {},
    });
    await this.store.audit.append({
      actor: actor.id,
      action: 'incident.root_cause',
      target: `incident:${incidentId}`,
      outcome: 'ok',
      detail: {},
      requestId: origin.requestId,
    });
    await this.writeReport(incidentId);
    return { type: 'text', text: 'Root cause and follow-ups recorded in the report.' };
  }

  /** A message in an incident thread (an @recio mention, a note) goes on the timeline. */
  async noteMessage(channel: string, threadTs: string, actorId: string, text: string): Promise<void> {
    const incident = await this.store.incidents.findByThread(channel, threadTs);
    if (incident === undefined) return;
    await this.store.timeline.add({
      incidentId: incident.id,
      actor: actorId,
      kind: 'message',
      text: redactSecrets(text).slice(0, 500),
      detail: {},
    });
  }

  async writeReport(incidentId: string): Promise<string> {
    const data = await loadReportData(this.store, incidentId);
    if (data === undefined) throw new RecioError(ErrorCode.NotFound, `no incident ${incidentId}`);
    const markdown = renderReport(data);
    await this.store.incidents.setReport(incidentId, markdown);
    return markdown;
  }

  /** The incident, if the actor may act on it (security incidents only for their role holders). */
  private async guard(
    incidentId: string,
    actor: Actor,
    permission: 'view' | 'operate' | 'resolve' | 'root_cause',
    origin: Origin,
  ): Promise<Incident | Answer> {
    const incident = await this.store.incidents.get(incidentId);
    if (incident === undefined) {
      await this.ops.auditRefusal(actor.id, `incident:${incidentId.slice(0, 40)}`, 'unknown', origin);
      return { type: 'text', text: 'That incident is unknown. Nothing was done.' };
    }
    const denied =
      (await this.ops.authorise(actor, permission, `incident:${incidentId}`, origin)) ??
      (incident.kind === 'security'
        ? await this.ops.authorise(actor, 'security', `incident:${incidentId}`, origin)
        : undefined);
    return denied ?? incident;
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

  private async acknowledgeQuietly(incident: Incident, actor: Actor, origin: Origin): Promise<void> {
    if (incident.status !== 'open') return;
    await this.acknowledge(incident.id, actor, origin);
  }

  private async post(tx: Repos, incident: Incident, text: string): Promise<void> {
    if (!incident.channel) return;
    await tx.outbox.enqueue({
      dedupeKey: incidentPostKey(incident.id),
      channel: incident.channel,
      kind: 'post',
      payload: { text, event: event(incident) },
    });
  }

  private async update(tx: Repos, incident: Incident, change: string, text: string): Promise<void> {
    if (!incident.channel) return;
    await tx.outbox.enqueue({
      dedupeKey: `${incidentPostKey(incident.id)}:${change}`,
      channel: incident.channel,
      kind: 'update',
      updateOf: incidentPostKey(incident.id),
      payload: { text, event: event(incident) },
    });
  }
}
