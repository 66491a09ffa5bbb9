import type { BreakGlass, Run } from '../domain/index.js';
import { updateIncident } from '../incidents/incident-messages.js';
import { postInRunThread, updateRunMessage, updateThreadMessage } from '../runbooks/run-notices.js';
import type { Repos } from '../store/index.js';

/** The break's own message in the run's thread: the mentions, the reason, and Review until reviewed. */
export function breakGlassPostKey(breakGlassId: string): string {
  return `breakglass:${breakGlassId}:post`;
}

/** `mentions` rides in the event: the renderer reads the store, and the role lists are not in it. */
const eventOf = (breakGlass: BreakGlass, mentions: string) => ({
  type: 'break_glass',
  breakGlassId: breakGlass.id,
  mentions,
});

/** A Slack person as a mention; anyone else (a terminal user) as they are. */
export const mention = (id: string) => (/^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : id);

/** Posted at once, mentioning the security officers (who are told before the step runs). */
export async function postBreakGlass(tx: Repos, run: Run, breakGlass: BreakGlass, mentions: string): Promise<void> {
  const to = mentions === '' ? 'RECIO_SECURITY_OFFICERS is empty: nobody was mentioned' : mentions;
  await postInRunThread(
    tx,
    run,
    breakGlassPostKey(breakGlass.id),
    `${to}: break-glass by ${mention(breakGlass.brokenBy)} — needs review`,
    eventOf(breakGlass, mentions),
  );
}

/** The break's message, the run message and the incident's parent, rewritten from the store. */
export async function tellBreakGlassChanged(
  tx: Repos,
  run: Run,
  breakGlass: BreakGlass,
  change: string,
  mentions: string,
): Promise<void> {
  const event = eventOf(breakGlass, mentions);
  await updateThreadMessage(tx, run, breakGlassPostKey(breakGlass.id), change, `Break-glass ${change}`, event);
  await updateRunMessage(tx, run, `breakglass:${breakGlass.id}:${change}`, `Break-glass ${change}`);
  if (run.incidentId === null) return;
  const incident = await tx.incidents.get(run.incidentId);
  if (incident) await updateIncident(tx, incident, `breakglass:${breakGlass.id}:${change}`, `Break-glass ${change}`);
}

/** A reminder in the run's thread, once per period (the key): two replicas post it once. */
export async function remindBreakGlass(
  tx: Repos,
  run: Run,
  breakGlass: BreakGlass,
  period: number,
  mentions: string,
): Promise<void> {
  const who = mentions === '' ? 'Security officers (none configured)' : mentions;
  const hours = Math.round((Date.now() - breakGlass.brokenAt.getTime()) / 3_600_000);
  await postInRunThread(
    tx,
    run,
    `breakglass:${breakGlass.id}:reminder:${period}`,
    `:alarm_clock: ${who}: the break-glass by ${mention(breakGlass.brokenBy)} (${hours} h ago) still needs review. ` +
      'Review it from the message above or the App Home.',
    { type: 'break_glass_reminder', breakGlassId: breakGlass.id },
  );
}
