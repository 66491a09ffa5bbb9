import type { PitrWindow } from '@recio/protocol/pitr-window';
import type { Access } from '../access/access.js';
import type { Actor, Origin } from '../domain/index.js';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { IncidentDesk } from '../incidents/desk.js';
import { DEFAULT_PITR_MARGIN_SECONDS, parseTypedTarget, PITR_RUNBOOK, proposeTarget } from '../runbooks/pitr-choice.js';
import type { FleetView } from '../runbooks/plan.js';
import { restoreHost } from './restore-requests.js';
import type { Answer } from './types.js';

export interface PitrOfferDeps {
  hosts: Pick<Hosts, 'run'>;
  fleet: FleetView;
  incidents: Pick<IncidentDesk, 'recoverable' | 'runPitr'>;
  access: Pick<Access, 'auditRefusal'>;
  /** Whether the pitr-restore runbook is loaded (without it there is nothing to run). */
  pitrLoaded: boolean;
  /** RECIO_PITR_MARGIN_SECONDS: the proposed target is the incident's detection minus this. */
  pitrMarginSeconds?: number | undefined;
}

/** What the point-in-time restore modal shows: the window as read now (or why not) and the proposed target. */
export interface PitrOffer {
  type: 'pitr_offer';
  incident: { id: string; title: string; openedAt: Date };
  host: string | null;
  window: PitrWindow | null;
  /** Why the window could not be read: the modal then offers nothing to submit. */
  error?: string;
  /** ISO UTC, to the second: the incident's detection time minus the margin. */
  proposed: string;
  marginSeconds: number;
}

/**
 * Point-in-time restore from an incident's parent: once the desk lets this person run its recovery
 * (a refusal is audited there), the db host's recoverable window, read over SSH now, and the target
 * proposed from the incident. A host without PITR answers db.pitr.window with an error: said so.
 */
export async function pitrOffer(
  deps: PitrOfferDeps,
  incidentId: string,
  actor: Actor,
  origin: Origin,
): Promise<PitrOffer | Answer> {
  const incident = await deps.incidents.recoverable(incidentId, actor, origin);
  if ('type' in incident) return incident;
  const marginSeconds = deps.pitrMarginSeconds ?? DEFAULT_PITR_MARGIN_SECONDS;
  const offer = {
    type: 'pitr_offer' as const,
    incident: { id: incident.id, title: incident.title, openedAt: incident.openedAt },
    proposed: proposeTarget(incident.openedAt, marginSeconds),
    marginSeconds,
  };
  if (!deps.pitrLoaded)
    return { ...offer, host: null, window: null, error: `the ${PITR_RUNBOOK} runbook is not loaded` };
  let host: string;
  try {
    host = restoreHost(deps.fleet);
  } catch (error) {
    return { ...offer, host: null, window: null, error: (error as Error).message };
  }
  const read = await deps.hosts.run(
    host,
    { action: 'db.pitr.window', params: {} },
    { traceId: origin.requestId, deadlineMs: 60_000 },
  );
  if (!read.ok) return { ...offer, host, window: null, error: read.error?.message ?? 'db.pitr.window failed' };
  return { ...offer, host, window: read.data as PitrWindow };
}

/**
 * The modal submitted: a target that is not a UTC time is refused and audited, nothing started (the
 * Slack edge shows the same refusal under the field before it gets here). Otherwise the desk runs
 * `pitr-restore` in the incident's thread with that target; a target outside the window is refused
 * in the thread when its approval would be asked, before anyone approves anything.
 */
export async function restoreToTime(
  deps: PitrOfferDeps,
  incidentId: string,
  typed: string,
  actor: Actor,
  origin: Origin,
): Promise<Answer> {
  const parsed = parseTypedTarget(typed);
  if ('why' in parsed) {
    await deps.access.auditRefusal(actor.id, `incident:${incidentId.slice(0, 40)}`, 'bad_pitr_target', origin, {
      typed: typed.slice(0, 100),
    });
    return { type: 'text', text: `${parsed.why} Nothing was started.` };
  }
  return deps.incidents.runPitr(incidentId, parsed.target, actor, origin);
}
