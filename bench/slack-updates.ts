/**
 * npm run bench:updates — twenty runs live at once, each changing its Slack message every second:
 * how many chat.update calls, how many 429s, how stale the messages get. Slack's chat.update is
 * Tier 3 per workspace (the emulation: 50 at once, then 50 a minute); the real store's outbox, the
 * real publisher. Baseline, in the same run: the publisher as it was (each message paced on its
 * own, no workspace budget). Target: no 429 storm with 20 runs live. Prints a table and one JSON line.
 */
import { summarize } from './stats.js';
import { runLiveUpdates, type LiveUpdatesOptions, type LiveUpdatesResult } from '../test/slack/live-updates.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const EVERY_MS = Number(process.env.BENCH_EVERY_MS ?? 1_000);
const FOR_MS = Number(process.env.BENCH_FOR_MS ?? 90_000);
const SCENARIOS: Array<{ name: string; channels: string[] }> = [
  { name: 'one channel (ops)', channels: ['C0OPS000001'] },
  { name: 'two channels (ops, incidents)', channels: ['C0OPS000001', 'C0INCIDENT1'] },
];

interface Row {
  scenario: string;
  publisher: string;
  result: LiveUpdatesResult;
}

const rows: Row[] = [];
for (const scenario of SCENARIOS) {
  for (const [publisher, budget] of [
    ['before: per message only (baseline)', false],
    ['after: one workspace budget', {}],
  ] as Array<[string, LiveUpdatesOptions['budget']]>) {
    process.stderr.write(`${scenario.name}, ${publisher}: ${RUNS} runs × ${FOR_MS / 1000} s…\n`);
    const result = await runLiveUpdates({
      runs: RUNS,
      channels: scenario.channels,
      everyMs: EVERY_MS,
      forMs: FOR_MS,
      budget,
    });
    rows.push({ scenario: scenario.name, publisher, result });
  }
}

const s = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
console.log(
  `\n${RUNS} live runs, each changing every ${EVERY_MS} ms for ${FOR_MS / 1000} s; chat.update Tier 3 (50 + 50/min)\n`,
);
console.log(
  '| scenario | publisher | changes | chat.update calls | per minute | 429s | ' +
    'staleness p50 / p95 / max | last change shown after |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const { scenario, publisher, result } of rows) {
  const f = summarize(result.freshnessMs);
  const max = Math.max(...result.freshnessMs);
  const perMinute = (result.updateCalls / ((FOR_MS + (result.settleMs ?? 0)) / 60_000)).toFixed(0);
  const cells = [
    scenario,
    publisher,
    result.enqueued,
    result.updateCalls,
    perMinute,
    `**${result.ratelimited}**`,
    `${s(f.median)} / ${s(f.p95)} / ${s(max)}`,
    s(result.settleMs),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
console.log(
  JSON.stringify({
    bench: 'updates',
    runs: RUNS,
    everyMs: EVERY_MS,
    forMs: FOR_MS,
    rows: rows.map(({ scenario, publisher, result }) => ({
      scenario,
      publisher,
      changes: result.enqueued,
      updateCalls: result.updateCalls,
      ratelimited: result.ratelimited,
      staleness: summarize(result.freshnessMs),
      settleMs: result.settleMs,
    })),
  }),
);
