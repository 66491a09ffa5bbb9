import type { Access } from '../access/access.js';
import type { Actor, Origin } from '../domain/index.js';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { IncidentDesk } from '../incidents/desk.js';
import type { FleetView } from '../runbooks/plan.js';
import { dumpChoices } from './restore-requests.js';
import type { Answer } from './types.js';

export interface RecoveryDumpsDeps {
  hosts: Pick<Hosts, 'run'>;
  fleet: FleetView;
  incidents: Pick<IncidentDesk, 'recoverable' | 'runRecovery'>;
  access: Pick<Access, 'auditRefusal'>;
}

/** A name as it may be echoed back: a tampered value is never shown as Slack markup. */
const shown = (file: string) => file.slice(0, 100).replace(/[^\w.-]/g, '?');

/**
 * Run recovery's dump picker for an incident whose runbook restores a dump: the dumps the db host
 * can restore (as `/recio restore` lists them), once the desk says this person may run its recovery
 * (a refusal is audited there, and nothing is listed).
 */
export async function recoveryDumps(
  deps: RecoveryDumpsDeps,
  incidentId: string,
  actor: Actor,
  origin: Origin,
): Promise<Answer> {
  const incident = await deps.incidents.recoverable(incidentId, actor, origin);
  if ('type' in incident) return incident;
  return dumpChoices(deps.hosts, deps.fleet, origin.requestId);
}

/**
 * The picker's submission: the file must be one the db host's listing offers now (a forged or
 * vanished name is refused and audited, nothing started); then the recovery runs as the plain
 * button runs it — the desk's checks, its acknowledgement and its run key — with that file bound
 * to the restore step. Without a file (nothing could be listed) the restore binds the newest dump.
 */
export async function recoverFromDump(
  deps: RecoveryDumpsDeps,
  incidentId: string,
  file: string | undefined,
  actor: Actor,
  origin: Origin,
): Promise<Answer> {
  const incident = await deps.incidents.recoverable(incidentId, actor, origin);
  if ('type' in incident) return incident;
  if (file === undefined) return deps.incidents.runRecovery(incident.id, actor, origin);
  const listed = await dumpChoices(deps.hosts, deps.fleet, origin.requestId);
  if (!listed.dumps.some((d) => d.file === file)) {
    const unchecked = listed.dumps.length === 0 && listed.error !== undefined;
    await deps.access.auditRefusal(
      actor.id,
      `incident:${incident.id}`,
      unchecked ? 'dump_unchecked' : 'unknown_dump',
      origin,
      { file: file.slice(0, 200) },
    );
    return {
      type: 'text',
      text: unchecked
        ? `Could not list the dumps to check \`${shown(file)}\` (${listed.error}). Nothing was started; try again.`
        : `\`${shown(file)}\` is not a dump the database host offers. Nothing was started.`,
    };
  }
  return deps.incidents.runRecovery(incident.id, actor, origin, { file });
}
