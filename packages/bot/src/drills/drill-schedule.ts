import type { Incident } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { isScenario, SCENARIOS, type Scenario } from './drill-types.js';

/** The last drill and the scenario the next one should practise. */
export interface DrillDue {
  last: { at: Date; scenario: string | null; title: string } | undefined;
  /** The scenario after the last one drilled, in SCENARIOS' order: every scenario in turn, a year for all four. */
  next: Scenario;
}

function scenarioOf(drill: Incident): string | null {
  const scenario = (drill.detail as { scenario?: unknown }).scenario;
  return typeof scenario === 'string' ? scenario : null;
}

/** Where drills stand: the date of the last one (doctor, App Home, the reminder) and what comes next. */
export async function drillDue(store: Store): Promise<DrillDue> {
  const latest = await store.incidents.latestOfKind('drill');
  if (latest === undefined) return { last: undefined, next: SCENARIOS[0] };
  const scenario = scenarioOf(latest);
  const index = scenario !== null && isScenario(scenario) ? SCENARIOS.indexOf(scenario) : -1;
  return {
    last: { at: latest.openedAt, scenario, title: latest.title },
    next: SCENARIOS[(index + 1) % SCENARIOS.length]!,
  };
}

/** "2026-09-07 (service-crash), 87 days ago" or "never". */
export function describeLastDrill(due: DrillDue, now = new Date()): string {
  if (due.last === undefined) return 'never';
  const days = Math.floor((now.getTime() - due.last.at.getTime()) / 86_400_000);
  const what = due.last.scenario ? ` (${due.last.scenario})` : '';
  return `${due.last.at.toISOString().slice(0, 10)}${what}, ${days === 0 ? 'today' : `${days} day(s) ago`}`;
}
