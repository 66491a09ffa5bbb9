import type { Incident } from '../domain/index.js';
import { incidentPostKey } from '../runbooks/run-notices.js';
import type { Repos } from '../store/index.js';

/** Who the monitor is in timelines and audit rows. */
export const MONITOR = 'monitor';

const eventOf = (incident: Incident) => ({ type: 'incident', incidentId: incident.id });

/** The incident's parent message in its channel: the thread everything after it goes into. */
export async function postIncident(tx: Repos, incident: Incident, text: string): Promise<void> {
  if (!incident.channel) return;
  await tx.outbox.enqueue({
    dedupeKey: incidentPostKey(incident.id),
    channel: incident.channel,
    kind: 'post',
    payload: { text, event: eventOf(incident) },
  });
}

/** The parent message rewritten; `change` names the transition, so a retried one enqueues once. */
export async function updateIncident(tx: Repos, incident: Incident, change: string, text: string): Promise<void> {
  if (!incident.channel) return;
  await tx.outbox.enqueue({
    dedupeKey: `${incidentPostKey(incident.id)}:${change}`,
    channel: incident.channel,
    kind: 'update',
    updateOf: incidentPostKey(incident.id),
    payload: { text, event: eventOf(incident) },
  });
}

/** A visible reply in the incident's thread, once per key (never only an edit of an old message). */
export async function replyInThread(
  tx: Repos,
  incident: Incident,
  key: string,
  text: string,
  event?: Record<string, unknown>,
): Promise<void> {
  if (!incident.channel) return;
  await tx.outbox.enqueue({
    dedupeKey: `incident:${incident.id}:${key}`,
    channel: incident.channel,
    kind: 'post',
    threadOf: incidentPostKey(incident.id),
    payload: { text, ...(event ? { event: event as never } : {}) },
  });
}

/** Minutes, rounded, for "after N min". */
export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));
}
