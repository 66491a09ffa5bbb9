import { describeLastDrill, drillDue } from '../drills/drill-schedule.js';
import type { Store } from '../store/index.js';
import { fail, pass, type CheckResult } from './check.js';

/** A quarter and a couple of weeks' grace: past this, §5's quarterly drill was missed. */
export const DRILL_OVERDUE_DAYS = 105;

/** The plan's §5, "test recovery quarterly": when the last drill was, and whether one is overdue. */
export async function checkLastDrill(store: Store, now = new Date()): Promise<CheckResult> {
  const due = await drillDue(store);
  const last = describeLastDrill(due, now);
  const fix = `start one: the "Start a drill" button (App Home, the quarterly reminder) or /recio drill ${due.next}`;
  if (due.last === undefined) return fail('last drill', 'no drill recorded: recovery was never practised', fix);
  const days = (now.getTime() - due.last.at.getTime()) / 86_400_000;
  return days <= DRILL_OVERDUE_DAYS
    ? pass('last drill', `${last}; next in turn: ${due.next}`)
    : fail('last drill', `${last}: the quarterly drill is overdue`, fix);
}
