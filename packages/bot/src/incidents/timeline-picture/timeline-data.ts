import { TERMINAL_STATES } from '../../domain/index.js';
import type { ReportData } from '../report.js';

/** A moment of the incident's life, drawn as a vertical rule. */
export interface TimelineMark {
  what: 'detected' | 'acknowledged' | 'mitigated' | 'recovered' | 'resolved';
  at: Date;
  by: string | null;
}

/** One runbook step as it ran: a bar from start to end, with who ran it and how it ended. */
export interface TimelineStep {
  /** `1. Restart trade_manager` — the lane's label. */
  label: string;
  host: string;
  /** Who requested the run (and approved the step, when someone did). */
  by: string;
  start: Date;
  end: Date;
  /** The step's state: succeeded, failed, skipped, … */
  outcome: string;
}

/** One reading of a feed's age by the monitor's probe; `ageSeconds` null: the table had no row. */
export interface FeedReading {
  feed: string;
  at: Date;
  ageSeconds: number | null;
}

/** What the timeline picture shows: typed, so the renderer knows nothing of the store. */
export interface IncidentTimeline {
  incidentId: string;
  title: string;
  from: Date;
  to: Date;
  marks: TimelineMark[];
  steps: TimelineStep[];
  feeds: FeedReading[];
}

function stepsOf(data: ReportData, now: Date): TimelineStep[] {
  const steps: TimelineStep[] = [];
  for (const { run, steps: ran } of data.runs) {
    for (const step of ran) {
      if (step.startedAt === null) continue;
      const approvers = data.events
        .filter((e) => e.stepId === step.id && (e.kind === 'approval_approved' || e.kind === 'step_confirmed'))
        .map((e) => e.actor);
      const end = step.finishedAt ?? (TERMINAL_STATES.includes(step.state) ? step.startedAt : now);
      steps.push({
        label: `${steps.length + 1}. ${step.title}`.slice(0, 60),
        host: step.host,
        by: [run.requestedBy, ...approvers.filter((a) => a !== run.requestedBy)].join(' + '),
        start: step.startedAt,
        end: end.getTime() > step.startedAt.getTime() ? end : new Date(step.startedAt.getTime() + 1000),
        outcome: step.state,
      });
    }
  }
  return steps;
}

/**
 * The feed's freshness across the window, where the incident is a feed's: the monitor's readings
 * as its timeline recorded them (a detection or repeat says `Ns old` or `empty`, a healthy probe
 * `<feed> feed fresh (Ns)`). Other incidents carry no readings, and the picture leaves the lane out.
 */
function feedsOf(data: ReportData): FeedReading[] {
  const detail = data.incident.detail as { kind?: unknown; subject?: unknown };
  if (detail.kind !== 'feed' || typeof detail.subject !== 'string') return [];
  const feed = detail.subject;
  const readings: FeedReading[] = [];
  for (const event of data.events) {
    const state = (event.detail as { state?: unknown }).state;
    if ((event.kind === 'detected' || event.kind === 'recurred') && typeof state === 'string') {
      const age = /^(\d+)s old$/.exec(state);
      if (age || state === 'empty') readings.push({ feed, at: event.at, ageSeconds: age ? Number(age[1]) : null });
    }
    const fresh = event.kind === 'probe_healthy' ? /feed fresh \((\d+)s\)/.exec(event.text) : null;
    if (fresh) readings.push({ feed, at: event.at, ageSeconds: Number(fresh[1]) });
  }
  return readings;
}

/** The picture's data from what the store recorded (the report's own data), never from the chat. */
export function timelineFrom(data: ReportData, now = new Date()): IncidentTimeline {
  const { incident } = data;
  const marks: TimelineMark[] = [{ what: 'detected', at: incident.openedAt, by: incident.openedBy }];
  if (incident.acknowledgedAt)
    marks.push({ what: 'acknowledged', at: incident.acknowledgedAt, by: incident.acknowledgedBy });
  if (incident.mitigatedAt) marks.push({ what: 'mitigated', at: incident.mitigatedAt, by: null });
  if (incident.recoveredAt) marks.push({ what: 'recovered', at: incident.recoveredAt, by: 'monitor' });
  if (incident.resolvedAt) marks.push({ what: 'resolved', at: incident.resolvedAt, by: incident.resolvedBy });
  const steps = stepsOf(data, now);
  const feeds = feedsOf(data);
  const times = [
    ...marks.map((m) => m.at.getTime()),
    ...steps.flatMap((s) => [s.start.getTime(), s.end.getTime()]),
    ...feeds.map((f) => f.at.getTime()),
  ];
  const from = new Date(Math.min(...times));
  const last = Math.max(...times, incident.resolvedAt ? 0 : now.getTime());
  return {
    incidentId: incident.id,
    title: incident.title,
    from,
    // A window of at least a minute, so an incident resolved at once still has an axis.
    to: new Date(Math.max(last, from.getTime() + 60_000)),
    marks,
    steps,
    feeds,
  };
}
