import type { Store } from '../store/index.js';
import { incidentPostKey } from '../runbooks/run-notices.js';
import type { Answer } from './types.js';
import type { Actor, Origin } from '../domain/actor.js';

interface IncidentDeps {
  store: Store;
  opsChannel?: string | undefined;
  roleMembers?: { security_officer: readonly string[] };
}

/** Slack mentions of the security_officer role: users as <@U…>, user groups as <!subteam^S…>. */
export function securityMentions(deps: IncidentDeps): string {
  const ids = deps.roleMembers?.security_officer ?? [];
  return ids.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`)).join(' ');
}

/**
 * `/recio incident open <title>`: an incident declared by hand, with its parent message in the
 * channel (the thread everything after it goes into). `--security` makes it a security incident.
 */
export async function openIncident(
  deps: IncidentDeps,
  title: string,
  security: boolean,
  actor: Actor,
  origin: Origin,
): Promise<Answer> {
  const channel = origin.channel ?? deps.opsChannel;
  const incident = await deps.store.withTransaction(async (tx) => {
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
    await tx.timeline.add({
      incidentId: incident.id,
      actor: actor.id,
      kind: 'opened',
      text: `declared by hand: ${title}`,
      detail: { security },
    });
    if (channel) {
      const mentions = security ? securityMentions(deps) : '';
      const text = security
        ? `:lock: Security incident: ${title}. ${mentions || 'No security_officer is configured (RECIO_SECURITY_OFFICERS).'} Only the security_officer and lead_operators act in this thread.`
        : `Incident: ${title}`;
      await tx.outbox.enqueue({
        dedupeKey: incidentPostKey(incident.id),
        channel,
        kind: 'post',
        payload: { text, event: { type: 'incident', incidentId: incident.id } },
      });
    }
    await tx.audit.append({
      actor: actor.id,
      action: 'incident.opened',
      target: `incident:${incident.id}`,
      outcome: 'ok',
      detail: { title, security },
      requestId: origin.requestId,
    });
    return incident;
  });
  return {
    type: 'text',
    text: `Incident ${incident.id.slice(0, 8)} opened: ${title}. Its thread is in <#${channel ?? 'the ops channel'}>.`,
  };
}

/** `/recio incident close`: resolves this channel's (or this thread's) one open incident. */
export async function closeIncident(deps: IncidentDeps, actor: Actor, origin: Origin): Promise<Answer> {
  const open = (await deps.store.incidents.listUnresolved()).filter(
    (i) => i.channel === (origin.channel ?? deps.opsChannel),
  );
  const inThread = origin.threadTs ? open.filter((i) => i.threadTs === origin.threadTs) : open;
  if (inThread.length === 0) return { type: 'text', text: 'No open incident here.' };
  if (inThread.length > 1) {
    return {
      type: 'text',
      text: `${inThread.length} incidents are open here: close one from its thread with \`@recio incident close\`. Open: ${inThread.map((i) => `${i.id.slice(0, 8)} ${i.title}`).join('; ')}`,
    };
  }
  const incident = inThread[0]!;
  await deps.store.withTransaction(async (tx) => {
    const { changed } = await tx.incidents.advance(incident.id, 'resolved', actor.id);
    if (!changed) return;
    if (incident.channel) {
      await tx.outbox.enqueue({
        dedupeKey: `${incidentPostKey(incident.id)}:resolved`,
        channel: incident.channel,
        kind: 'update',
        updateOf: incidentPostKey(incident.id),
        payload: { text: `Resolved: ${incident.title}`, event: { type: 'incident', incidentId: incident.id } },
      });
    }
    await tx.audit.append({
      actor: actor.id,
      action: 'incident.resolved',
      target: `incident:${incident.id}`,
      outcome: 'ok',
      detail: {},
      requestId: origin.requestId,
    });
  });
  return { type: 'text', text: `Incident ${incident.id.slice(0, 8)} resolved.` };
}

/** `/recio report [id]`: the stored report, or a note that it is not written yet. */
export async function reportFor(deps: IncidentDeps, ref: string | undefined, origin: Origin): Promise<Answer> {
  const open = await deps.store.incidents.listUnresolved();
  const candidates = ref === undefined ? open.filter((i) => i.channel === origin.channel) : open;
  const incident =
    ref === undefined
      ? candidates.at(-1)
      : ((await deps.store.incidents.get(ref)) ?? open.find((i) => i.id.startsWith(ref)));
  if (incident === undefined)
    return { type: 'text', text: ref ? `No incident ${ref}.` : 'Which incident? `/recio report <id>`.' };
  return {
    type: 'report',
    incidentId: incident.id,
    markdown: incident.report ?? `# ${incident.title}\n\n_The report is written when the incident is resolved._\n`,
  };
}
