import type { IncidentTimeline } from './timeline-data.js';

/** The font the SVG asks for; the renderer hands resvg exactly this file (Debian's fonts-dejavu-core). */
export const TIMELINE_FONT = 'DejaVu Sans';

const MOMENTS = ['detected', 'acknowledged', 'mitigated', 'recovered', 'resolved'];
const MOMENT_COLOURS = ['#d62728', '#ff7f0e', '#bcbd22', '#17becf', '#2ca02c'];
const OUTCOMES = ['succeeded', 'failed', 'interrupted', 'cancelled', 'skipped', 'running', 'awaiting_approval'];
const OUTCOME_COLOURS = ['#2ca02c', '#d62728', '#9467bd', '#7f7f7f', '#c7c7c7', '#1f77b4', '#ff7f0e'];
const WIDTH = 760;

const hhmmss = (d: Date) => d.toISOString().slice(11, 19);

/**
 * A Vega-Lite spec of the incident: its moments as rules, each runbook step as a bar (who ran it,
 * on which host, how it ended), and — when the monitor read a feed's age during it — the feed's
 * freshness on the same time axis below. Times are UTC, as in the report.
 */
export function timelineSpec(timeline: IncidentTimeline): Record<string, unknown> {
  // The window is set once per view (the rules' layer and the feed chart): layers share the scale.
  const x = (field: string, title: string | null, withDomain = false) => ({
    field,
    type: 'temporal',
    title,
    scale: {
      type: 'utc',
      ...(withDomain ? { domain: [timeline.from.getTime(), timeline.to.getTime()] } : {}),
    },
    axis: { format: '%H:%M:%S', labelOverlap: true },
  });
  const marks = timeline.marks.map((m) => ({
    what: m.what,
    at: m.at.getTime(),
    label: `${m.what} ${hhmmss(m.at)}${m.by ? ` (${m.by})` : ''}`,
  }));
  const steps = timeline.steps.map((s) => ({
    lane: s.label,
    start: s.start.getTime(),
    end: s.end.getTime(),
    outcome: s.outcome,
    note: `${s.by} on ${s.host}: ${s.outcome}`,
  }));
  const lanes = Math.max(steps.length, 1);
  const outcomes = [...new Set(steps.map((s) => s.outcome))];
  const stepsChart = {
    width: WIDTH,
    height: lanes * 28,
    title: {
      text: steps.length === 0 ? 'No runbook step ran' : 'Runbook steps (who ran them, where, how they ended)',
      anchor: 'start',
      fontSize: 12,
    },
    layer: [
      ...(steps.length === 0
        ? []
        : [
            {
              data: { values: steps },
              mark: { type: 'bar', cornerRadius: 2, height: 16 },
              encoding: {
                y: { field: 'lane', type: 'nominal', sort: null, title: null, axis: { labelLimit: 260 } },
                x: x('start', null),
                x2: { field: 'end' },
                color: {
                  field: 'outcome',
                  type: 'nominal',
                  title: 'step',
                  scale: {
                    domain: outcomes,
                    range: outcomes.map((o) => OUTCOME_COLOURS[OUTCOMES.indexOf(o)] ?? '#333'),
                  },
                },
              },
            },
            {
              data: { values: steps },
              mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
              encoding: {
                y: { field: 'lane', type: 'nominal', sort: null },
                x: x('end', null),
                text: { field: 'note' },
              },
            },
          ]),
      {
        data: { values: marks },
        mark: { type: 'rule', strokeWidth: 2, strokeDash: [5, 3] },
        encoding: {
          x: x('at', 'UTC', true),
          color: {
            field: 'label',
            type: 'nominal',
            title: 'moments',
            scale: { range: marks.map((m) => MOMENT_COLOURS[MOMENTS.indexOf(m.what)] ?? '#333') },
            sort: null,
          },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
  const feeds = timeline.feeds.filter((f) => f.ageSeconds !== null);
  const feedChart = {
    width: WIDTH,
    height: 90,
    title: { text: 'Feed freshness (age of the newest row, as the monitor read it)', anchor: 'start', fontSize: 12 },
    data: { values: feeds.map((f) => ({ feed: f.feed, at: f.at.getTime(), age: f.ageSeconds })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: x('at', 'UTC', true),
      y: { field: 'age', type: 'quantitative', title: 'seconds' },
      color: { field: 'feed', type: 'nominal', title: 'feed' },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: timeline.title.slice(0, 90),
      subtitle: `incident ${timeline.incidentId.slice(0, 8)}, ${timeline.from.toISOString().slice(0, 10)} (UTC)`,
    },
    background: 'white',
    padding: 12,
    vconcat: feeds.length === 0 ? [stepsChart] : [stepsChart, feedChart],
    resolve: { scale: { color: 'independent' } },
    config: { font: TIMELINE_FONT, view: { stroke: '#ddd' }, legend: { labelLimit: 320 } },
  };
}

/** What the picture says, in words: the image's alt text (Slack shows it to screen readers). */
export function timelineAltText(timeline: IncidentTimeline): string {
  const moments = timeline.marks.map((m) => `${m.what} ${hhmmss(m.at)}`).join(', ');
  const steps = timeline.steps.map((s) => `${s.label} ${s.outcome}`).join('; ');
  return `Timeline of ${timeline.title} (UTC): ${moments}. ${steps || 'No runbook step ran.'}`.slice(0, 1000);
}
