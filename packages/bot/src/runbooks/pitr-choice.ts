import { PitrTarget } from '@recio/protocol/actions';
import { outsideWindow, windowText, type PitrWindow } from '@recio/protocol/pitr-window';
import type { JsonObject, Step } from '../domain/index.js';
import type { Hosts } from '../hosts/fleet-hosts.js';

/** How far before the incident's detection the bot proposes to recover to, unless told otherwise. */
export const DEFAULT_PITR_MARGIN_SECONDS = 60;

export type PitrChoice =
  | { kind: 'bound'; params: JsonObject; proposed: boolean }
  | { kind: 'refused'; why: string; window: PitrWindow | null };

/**
 * The target a point-in-time restore proposes: the incident's detection time minus a margin (the
 * damage happened before it was seen), to the whole second, as UTC. Without an incident, now.
 */
export function proposeTarget(detectedAt: Date, marginSeconds: number): string {
  const at = Math.floor((detectedAt.getTime() - marginSeconds * 1000) / 1000) * 1000;
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/**
 * A db.pitr.restore step's params, decided when its approval is asked for: the target the run was
 * given (`/recio run pitr-restore 2026-11-27T16:59:59Z`), or the one proposed from the incident. It
 * is checked against the host's recoverable window first: a target outside it (in the future,
 * before the oldest base backup, after the newest archived WAL) is refused with the window, before
 * anyone is asked to approve it, and nothing is restored.
 */
export async function choosePitr(
  hosts: Hosts,
  step: Step,
  detectedAt: Date | undefined,
  marginSeconds: number,
  now = new Date(),
): Promise<PitrChoice | undefined> {
  if (step.action !== 'db.pitr.restore') return undefined;
  const given = step.params.target;
  const proposed = typeof given !== 'string' || given === '';
  const target = proposed ? proposeTarget(detectedAt ?? now, marginSeconds) : given;
  if (!PitrTarget.safeParse(target).success)
    return { kind: 'refused', why: `\`${target}\` is not a UTC time like 2026-11-27T16:59:59Z`, window: null };
  const read = await hosts.run(step.host, { action: 'db.pitr.window', params: {} }, { deadlineMs: 60_000 });
  if (!read.ok)
    return {
      kind: 'refused',
      why: `cannot read the recoverable window: ${read.error?.message ?? 'failed'}`,
      window: null,
    };
  const window = read.data as PitrWindow;
  const why = outsideWindow(new Date(target), window, now);
  if (why !== undefined) return { kind: 'refused', why: `cannot recover to ${target}: ${why}`, window };
  return { kind: 'bound', params: { ...step.params, target }, proposed };
}

/** The runbook a point-in-time restore runs: loaded, the parent of a dump-restoring incident offers it. */
export const PITR_RUNBOOK = 'pitr-restore';

/**
 * A target as a person types it in the modal: `2026-11-27 16:59:59` (UTC) or `2026-11-27T16:59:59Z`,
 * to the second. The ISO form a run takes, or why not (a local time, a date that does not exist).
 */
export function parseTypedTarget(typed: string): { target: string } | { why: string } {
  const text = typed.trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(Z?)$/.exec(text);
  if (m === null || (text.includes('T') && m[3] !== 'Z'))
    return { why: 'Expected a UTC time like 2026-11-27 16:59:59 or 2026-11-27T16:59:59Z.' };
  const target = `${m[1]}T${m[2]}Z`;
  if (!PitrTarget.safeParse(target).success) return { why: `${m[1]} ${m[2]} is not a real date and time.` };
  return { target };
}

/** What the approver types: the target as `2026-11-27 16:59:59` (UTC), the day and second that come back. */
export function typedTimeOf(target: string): string {
  return `${target.slice(0, 10)} ${target.slice(11, 19)}`;
}

export { windowText };
