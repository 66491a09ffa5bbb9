import type { Store, TimelineEvent } from '../store/index.js';
import { redactSecrets } from '@recio/protocol/redact';
import { NEEDS_REVIEW, type BreakGlass, type Incident, type Run, type Step } from '../domain/index.js';

/** Everything a report is built from: what actually ran, as the store recorded it — not the chat. */
export interface ReportData {
  incident: Incident;
  events: TimelineEvent[];
  runs: Array<{ run: Run; steps: Step[] }>;
  /** Steps run by breaking the glass, reviewed or not. */
  breakGlass?: BreakGlass[];
}

export async function loadReportData(store: Store, incidentId: string): Promise<ReportData | undefined> {
  const incident = await store.incidents.get(incidentId);
  if (incident === undefined) return undefined;
  const events = await store.timeline.list({ incidentId });
  const runIds = [...new Set(events.map((e) => e.runId).filter((id): id is string => id !== null))];
  const runs = [];
  for (const id of runIds) {
    const run = await store.runs.get(id);
    if (run) runs.push({ run, steps: await store.runs.steps(id) });
  }
  runs.sort((a, b) => a.run.createdAt.getTime() - b.run.createdAt.getTime());
  return { incident, events, runs, breakGlass: await store.breakGlass.forIncident(incidentId) };
}

const stamp = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '—');

export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** Time to acknowledge, to mitigate and to resolve, from the moment the incident opened. */
export function durations(incident: Incident): {
  acknowledge: number | null;
  mitigate: number | null;
  resolve: number | null;
} {
  const since = (d: Date | null) => (d ? d.getTime() - incident.openedAt.getTime() : null);
  return {
    acknowledge: since(incident.acknowledgedAt),
    mitigate: since(incident.mitigatedAt),
    resolve: since(incident.resolvedAt),
  };
}

// Markdown table cells: one line, no pipes.
const cell = (text: string) =>
  redactSecrets(text)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .slice(0, 300);

function approverOf(events: TimelineEvent[], step: Step): string {
  const decided = events.filter(
    (e) => e.stepId === step.id && (e.kind === 'approval_approved' || e.kind === 'step_confirmed'),
  );
  return decided.map((e) => `${e.actor}${e.kind === 'step_confirmed' ? ' (go-ahead)' : ''}`).join(', ') || '—';
}

function actionSection(data: ReportData): string[] {
  if (data.runs.length === 0) return ['_No runbook ran during this incident._'];
  const lines: string[] = [];
  for (const { run, steps } of data.runs) {
    lines.push(
      `### ${cell(String(run.params.title ?? run.scenario))} — ${run.state}`,
      '',
      `Requested by ${run.requestedBy} at ${stamp(run.createdAt)} UTC${run.dryRun ? ' (dry run)' : ''}.`,
      '',
    );
    lines.push('| Step | Host | Ran for | Approved by | Result | Exit |', '|---|---|---|---|---|---|');
    for (const step of steps) {
      const result = step.result as { error?: { message?: string }; detail?: string } | null;
      const why =
        step.state === 'succeeded'
          ? 'ok'
          : `${step.state}${result?.error?.message ? `: ${result.error.message}` : result?.detail ? `: ${result.detail}` : ''}`;
      lines.push(
        `| ${cell(step.title)} | ${cell(step.host)} | ${cell(run.requestedBy)} | ${cell(approverOf(data.events, step))} | ${cell(why)} | ${step.exitCode ?? '—'} |`,
      );
    }
    for (const step of steps.filter((s) => s.outputExcerpt)) {
      const excerpt = redactSecrets(step.outputExcerpt ?? '')
        .split('\n')
        .slice(-12)
        .join('\n')
        .replace(/```/g, "'''");
      lines.push('', `Output of "${cell(step.title)}" (last lines):`, '```', excerpt, '```');
    }
    lines.push('');
  }
  return lines;
}

function checklistSection(data: ReportData): string[] {
  const checklist = data.runs.filter((r) => r.run.scenario === 'verify').at(-1);
  if (checklist === undefined) return ['_The Recovery Verification Checklist was not run._'];
  const mark = (s: Step) => (s.state === 'succeeded' ? '[x]' : '[ ]');
  const green = checklist.steps.every((s) => s.state === 'succeeded');
  return [
    `${green ? 'All items passed' : 'Not all items passed'} (run of ${stamp(checklist.run.createdAt)} UTC):`,
    '',
    ...checklist.steps.map((s) => `- ${mark(s)} ${cell(s.title)}${s.state === 'succeeded' ? '' : ` — ${s.state}`}`),
  ];
}

const minutes = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));

function recoveredLine(incident: Incident): string {
  if (incident.recoveredAt === null) return '';
  const after = minutes(incident.openedAt, incident.recoveredAt);
  return ` Recovered at ${stamp(incident.recoveredAt)} UTC, after ${after} min.`;
}

/** Said plainly when nobody resolved it: the monitor did, after the quiet period. */
function selfResolvedLine(incident: Incident, events: TimelineEvent[]): string {
  if (incident.resolvedBy !== 'monitor' || incident.mergedInto !== null || incident.recoveredAt === null) return '';
  const people = events.some((e) => e.actor !== 'monitor');
  if (people || incident.resolvedAt === null) return '';
  const healthyFor = minutes(incident.recoveredAt, incident.resolvedAt);
  return (
    ` **Resolved by itself**: the probes stayed healthy for ${healthyFor} min ` +
    'after it recovered and nobody worked on it.'
  );
}

/** A close with the checklist not green: the reason the person gave, as they gave it (redacted). */
function notGreenLine(events: TimelineEvent[]): string {
  const closed = events.filter((e) => e.kind === 'closed_not_green').at(-1);
  return closed ? ` **Closed by ${closed.actor} ${cell(closed.text)}.**` : '';
}

/** Each break-glass: who, why, and the review — or, loudly, that it still needs one. */
function breakGlassSection(data: ReportData): string[] {
  const records = data.breakGlass ?? [];
  if (records.length === 0) return [];
  const step = (id: string) => data.runs.flatMap((r) => r.steps).find((s) => s.id === id)?.title ?? id;
  const lines = ['## Break-glass', ''];
  for (const r of records) {
    lines.push(
      `- **${cell(step(r.stepId))}** run by ${cell(r.brokenBy)} alone at ${stamp(r.brokenAt)} UTC ` +
        `(typed \`${cell(r.typedTarget)}\`). Reason: ${cell(r.reason)}`,
      r.reviewedAt === null
        ? `  - **${NEEDS_REVIEW}.**`
        : `  - Reviewed by ${cell(r.reviewedBy ?? '')} at ${stamp(r.reviewedAt)} UTC: ${cell(r.reviewNote ?? '')}`,
    );
  }
  return [...lines, ''];
}

/** "break-glass — needs review" under the title while any break is unreviewed. */
function breakGlassMark(data: ReportData): string[] {
  const records = data.breakGlass ?? [];
  if (records.length === 0) return [];
  const open = records.filter((r) => r.reviewedAt === null).length;
  return open > 0 ? [`> **${NEEDS_REVIEW}** (${open} step(s) run without a second lead_operator)`, ''] : [];
}

/** The incident report of the plan's §5, in Markdown, secrets redacted throughout. */
export function renderReport(data: ReportData): string {
  const { incident, events } = data;
  const d = durations(incident);
  const detected = events.find((e) => e.kind === 'opened');
  const text = [
    `# Incident report — ${cell(incident.title)}`,
    '',
    ...breakGlassMark(data),
    `**Incident** \`${incident.id.slice(0, 8)}\` · **Kind** ${incident.kind} · **Severity** ${incident.severity} · **Status** ${incident.status}${incident.scenario ? ` · **Runbook** ${incident.scenario}` : ''}`,
    '',
    '## Summary',
    '',
    `${cell(incident.title)}. Opened by ${incident.openedBy} at ${stamp(incident.openedAt)} UTC${detected && incident.occurrences > 1 ? `; seen ${incident.occurrences} times while open` : ''}. ${data.runs.length} runbook run(s): ${data.runs.map((r) => `${String(r.run.params.title ?? r.run.scenario)} (${r.run.state})`).join('; ') || 'none'}.${recoveredLine(incident)}${incident.resolvedAt ? ` Resolved by ${incident.resolvedBy} at ${stamp(incident.resolvedAt)} UTC.` : ' Not resolved yet.'}${selfResolvedLine(incident, events)}${notGreenLine(events)}`,
    '',
    '## Impact window',
    '',
    `From ${stamp(incident.openedAt)} UTC to ${incident.resolvedAt ? `${stamp(incident.resolvedAt)} UTC` : 'now (open)'}.`,
    '',
    `| Time to acknowledge | Time to mitigate | Time to resolve |`,
    `|---|---|---|`,
    `| ${formatDuration(d.acknowledge)} | ${formatDuration(d.mitigate)} | ${formatDuration(d.resolve)} |`,
    '',
    '## Timeline (UTC)',
    '',
    '| Time | Who | What |',
    '|---|---|---|',
    ...events.map((e) => `| ${stamp(e.at)} | ${cell(e.actor)} | ${cell(e.text)} |`),
    '',
    '## Actions',
    '',
    ...actionSection(data),
    ...breakGlassSection(data),
    '## Recovery Verification Checklist',
    '',
    ...checklistSection(data),
    '',
    '## Root cause',
    '',
    incident.rootCause
      ? redactSecrets(incident.rootCause)
      : '_To be written by the system_architect (the "Root cause" button in the thread)._',
    '',
    '## Follow-ups',
    '',
    incident.followUps ? redactSecrets(incident.followUps) : '_None recorded yet._',
    '',
  ].join('\n');
  return redactSecrets(text);
}
