import { describeLastDrill, drillDue } from '../drills/drill-schedule.js';
import type { Store } from '../store/index.js';

/** The facts the reminder's message is drawn from (slack/views/drill-reminder.ts), typed in its payload. */
export interface DrillReminderEvent {
  type: 'drill_reminder';
  /** "2026-09-07 (service-crash), 87 day(s) ago", or "never". */
  lastDrill: string;
  next: string;
}

/**
 * The plan's §5, "test recovery quarterly": a post in the ops channel that says when the last drill
 * was and offers a button that starts the next one. Once per day however often the job fires (two
 * replicas, a restart), by its dedupe key.
 */
export async function drillReminder(
  deps: { store: Store; opsChannel?: string | undefined },
  now = new Date(),
): Promise<{ posted: boolean; next?: string }> {
  if (deps.opsChannel === undefined) return { posted: false };
  const due = await drillDue(deps.store);
  const event: DrillReminderEvent = { type: 'drill_reminder', lastDrill: describeLastDrill(due, now), next: due.next };
  const { created } = await deps.store.outbox.enqueue({
    dedupeKey: `drill-reminder:${now.toISOString().slice(0, 10)}`,
    channel: deps.opsChannel,
    kind: 'post',
    payload: {
      text: `Quarterly drill (§5): the last drill was ${event.lastDrill}. Next: ${due.next}.`,
      event: { ...event },
    },
  });
  return { posted: created, next: due.next };
}
