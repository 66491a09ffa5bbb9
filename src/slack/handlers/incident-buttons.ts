import type { Actor, Answer, Origin } from '../../operations/types.js';
import { incidentPostKey } from '../../runbooks/run-notices.js';
import type { Incident } from '../../store/index.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { shortId } from '../views/kit.js';
import { beginButton, type ButtonArgs } from './button-request.js';

export type IncidentButton = 'acknowledge' | 'recover' | 'checklist';

/**
 * Acknowledge / Run recovery / Open checklist on an incident's parent message. The value is the
 * incident id only. What it starts goes into the incident's thread, keyed by incident and scenario
 * so a double click lands on the same run.
 *
 * TODO(incidents): acknowledging lives here until the core has `acknowledgeIncident`; move it
 * there (with the timeline and time-to-acknowledge) and call that instead.
 */
export async function onIncidentButton(ctx: SlackContext, button: IncidentButton, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const actor = await ctx.ops.actorFor(request.user);
    const incident = await ctx.store.incidents.get(request.value);
    if (incident === undefined) {
      await ctx.ops.auditRefusal(actor.id, `incident:${request.value.slice(0, 40)}`, 'unknown', request.origin);
      return request.reply.private({ text: 'That incident is unknown. Nothing was done.' });
    }
    const origin: Origin = {
      ...request.origin,
      channel: incident.channel ?? request.origin.channel ?? request.reply.channel,
      ...(incident.threadTs ? { threadTs: incident.threadTs } : {}),
    };
    const answer = button === 'acknowledge' ? await acknowledge(ctx, incident, actor, origin) : await startFor(ctx, incident, button, actor, origin);
    await showAnswer(answer, request.reply);
  });
}

/** A security incident is acted in only by its role holders (the plan's §4), on top of the action's own permission. */
async function refused(ctx: SlackContext, incident: Incident, actor: Actor, permission: 'operate' | 'view', origin: Origin): Promise<Answer | undefined> {
  const what = `incident:${incident.id}`;
  return (await ctx.ops.authorise(actor, permission, what, origin)) ?? (incident.kind === 'security' ? ctx.ops.authorise(actor, 'security', what, origin) : undefined);
}

async function acknowledge(ctx: SlackContext, incident: Incident, actor: Actor, origin: Origin): Promise<Answer> {
  const denied = await refused(ctx, incident, actor, 'operate', origin);
  if (denied) return denied;
  const changed = await ctx.store.withTransaction(async (tx) => {
    const { changed } = await tx.incidents.advance(incident.id, 'acknowledged', actor.id);
    if (!changed) return false;
    if (incident.channel) {
      await tx.outbox.enqueue({ dedupeKey: `${incidentPostKey(incident.id)}:acknowledged`, channel: incident.channel, kind: 'update', updateOf: incidentPostKey(incident.id), payload: { text: `Acknowledged: ${incident.title}`, event: { type: 'incident', incidentId: incident.id } } });
    }
    await tx.audit.append({ actor: actor.id, action: 'incident.acknowledged', target: `incident:${incident.id}`, outcome: 'ok', detail: {}, requestId: origin.requestId });
    return true;
  });
  if (!changed) {
    const now = await ctx.store.incidents.get(incident.id);
    return { type: 'text', text: `Incident \`${shortId(incident.id)}\` is already ${now?.status ?? incident.status}${now?.acknowledgedBy ? ` (acknowledged by <@${now.acknowledgedBy}>)` : ''}.` };
  }
  ctx.onOutbox();
  return { type: 'text', text: `Acknowledged incident \`${shortId(incident.id)}\`: ${incident.title}.` };
}

async function startFor(ctx: SlackContext, incident: Incident, button: 'recover' | 'checklist', actor: Actor, origin: Origin): Promise<Answer> {
  const scenario = button === 'checklist' ? 'verify' : incident.scenario;
  if (scenario === null) return { type: 'text', text: 'No runbook matches this incident: start one in its thread with `@recio run <scenario>`.' };
  const denied = await refused(ctx, incident, actor, button === 'checklist' ? 'view' : 'operate', origin);
  if (denied) return denied;
  if (incident.status === 'resolved') return { type: 'text', text: `Incident \`${shortId(incident.id)}\` is resolved; nothing was started.` };
  return ctx.ops.runRunbook(scenario, undefined, false, actor, { ...origin, deliveryKey: `incident:${incident.id}:${scenario}` }, { incidentId: incident.id });
}
