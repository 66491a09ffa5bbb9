import { expect, test } from 'vitest';
import type { TimelineEvent } from '@recio/bot/store/index';
import { drawReportPicture } from '@recio/bot/incidents/timeline-picture/report-picture';
import { renderTimelinePng } from '@recio/bot/incidents/timeline-picture/render-timeline';
import { timelineFrom } from '@recio/bot/incidents/timeline-picture/timeline-data';
import { aRun, aStep, anIncident } from '../slack/view-fixtures.js';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 1, 3, minute));
let nextId = 1;
const event = (minute: number, kind: string, text: string, detail = {}, actor = 'monitor'): TimelineEvent => ({
  id: nextId++,
  incidentId: 'i',
  runId: null,
  stepId: null,
  at: T(minute),
  actor,
  kind,
  text,
  detail,
});

/** A Kalshi feed incident: detected stale, a restart that failed then one that worked (approved), healthy again. */
function feedIncident() {
  const incident = anIncident({
    title: 'Kalshi snapshots look stale',
    openedAt: T(0),
    acknowledgedAt: T(2),
    acknowledgedBy: 'U0ALICE0001',
    recoveredAt: T(9),
    resolvedAt: T(15),
    resolvedBy: 'U0BOB000001',
    status: 'resolved',
    detail: { kind: 'feed', subject: 'kalshi' },
  });
  const run = aRun({ requestedBy: 'U0ALICE0001' });
  const failed = aStep(run, 0, {
    title: 'Restart kalshi_api_watchdog',
    state: 'failed',
    startedAt: T(3),
    finishedAt: T(4),
  });
  const worked = aStep(run, 1, {
    title: 'Restart kalshi_api_watchdog',
    state: 'succeeded',
    startedAt: T(5),
    finishedAt: T(7),
  });
  const events = [
    event(0, 'detected', 'kalshi feed: newest row 400s old', { failure: 'feed', state: '400s old' }),
    event(4, 'recurred', 'seen again', { state: '640s old' }),
    { ...event(5, 'approval_approved', 'approved', {}, 'U0BOB000001'), stepId: worked.id },
    event(9, 'probe_healthy', 'kalshi feed fresh (3s)'),
  ];
  return { incident, events, runs: [{ run, steps: [failed, worked] }] };
}

test('the picture’s data: the moments in order, each step with who ran and approved it, the feed’s ages', () => {
  const timeline = timelineFrom(feedIncident());
  expect(timeline.marks.map((m) => [m.what, m.at.getUTCMinutes(), m.by])).toEqual([
    ['detected', 0, 'monitor'],
    ['acknowledged', 2, 'U0ALICE0001'],
    ['recovered', 9, 'monitor'],
    ['resolved', 15, 'U0BOB000001'],
  ]);
  expect(timeline.steps.map((s) => [s.label, s.by, s.outcome])).toEqual([
    ['1. Restart kalshi_api_watchdog', 'U0ALICE0001', 'failed'],
    ['2. Restart kalshi_api_watchdog', 'U0ALICE0001 + U0BOB000001', 'succeeded'],
  ]);
  expect(timeline.feeds.map((f) => [f.feed, f.at.getUTCMinutes(), f.ageSeconds])).toEqual([
    ['kalshi', 0, 400],
    ['kalshi', 4, 640],
    ['kalshi', 9, 3],
  ]);
  expect([timeline.from, timeline.to]).toEqual([T(0), T(15)]);
  // Not a feed's incident: no readings, and the picture leaves that chart out.
  expect(timelineFrom({ ...feedIncident(), incident: anIncident() }).feeds).toEqual([]);
});

test('without its font the picture is refused with what to install, and the report is told why with a reference', async () => {
  const timeline = timelineFrom(feedIncident());
  await expect(renderTimelinePng(timeline, { fontFiles: ['/nonexistent/DejaVuSans.ttf'] })).rejects.toThrow(
    /no font to draw the timeline's text .*install fonts-dejavu-core/,
  );
  const logged: object[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (obj: object) => logged.push(obj) };
  const drawn = await drawReportPicture(feedIncident(), logger, { fontFiles: ['/nonexistent/DejaVuSans.ttf'] });
  expect(drawn).toEqual({
    failure: expect.stringMatching(/^:warning: The timeline picture could not be drawn \(ref [0-9a-f]{8}\): no font/),
  });
  const ref = /ref ([0-9a-f]{8})/.exec((drawn as { failure: string }).failure)![1];
  expect(logged).toEqual([expect.objectContaining({ ref })]);
});
