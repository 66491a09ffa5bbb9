/**
 * npm run bench:incidents — threads and top-level messages per cause, and the time from the break
 * to "Recovered at …" on the cause's parent, on the sandbox REC.IO with the whole bot and the Slack
 * emulator (as test/e2e runs them). Two scenarios:
 *   - cascade: PostgreSQL stopped for 60 s while all six programs go FATAL, then started again;
 *   - provider: Kalshi answering 503 for 20 s, then healthy.
 * Each runs twice in the same run: the baseline with a topology.yml that declares no dependencies
 * (every failure its own incident: the bot before issue 13), then with commands/topology.yml.
 * Target: one thread per cause.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { breakScenario, heal } from '@recio/sandbox/index';
import { programs } from '../test/e2e/support/sandbox-facts.js';
import { OPS, startStack, type E2EStack } from '../test/e2e/support/stack.js';
import type { RunbookEdits } from '../test/e2e/support/runbooks-copy.js';

const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 60_000);
const PROVIDER_MS = Number(process.env.BENCH_PROVIDER_MS ?? 20_000);

// The baseline: the same file with every dependency list emptied (edits apply to the first match).
const NO_DEPENDENCIES: RunbookEdits = {
  'topology.yml': [
    ...Array.from({ length: 4 }, (): [string, string] => ['[postgresql, release]', '[]']),
    ['[postgresql, kalshi, release]', '[]'],
    ['[postgresql, coinbase, release]', '[]'],
    ['[kalshi_api_watchdog]', '[]'],
    ['[btc_price_watchdog]', '[]'],
  ],
};

interface Row {
  scenario: string;
  topology: string;
  causes: number;
  threads: number;
  topLevel: number;
  toRecoveredS: number | null;
}

/** Polls `check` until it stops throwing (vitest's waitFor needs a test runner; a bench has none). */
async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await sleep(intervalMs);
    }
  }
}

const topLevel = (stack: E2EStack) => stack.slack.state.messagesIn(OPS, { topLevelOnly: true }).length;

/** Break → the cause's incident marked recovered (the parent says "Recovered at …"), in seconds. */
async function recoveredAfter(stack: E2EStack, fingerprint: string, started: number): Promise<number | null> {
  try {
    return await eventually(async () => {
      const incident = await stack.bot.core.store.incidents.findUnresolved(fingerprint);
      if (!incident?.recoveredAt) throw new Error('not recovered yet');
      return (incident.recoveredAt.getTime() - started) / 1000;
    }, 90_000);
  } catch {
    return null;
  }
}

async function cascade(stack: E2EStack, topology: string): Promise<Row> {
  const before = topLevel(stack);
  const started = Date.now();
  await breakScenario(stack.sandbox, 'postgres-failure', { variant: 'stop' });
  await eventually(
    async () => {
      const now = await programs(stack.sandbox);
      if (!RECIO_PROGRAMS.every((p) => now[p]?.state === 'FATAL')) throw new Error('not all FATAL yet');
    },
    OUTAGE_MS + 60_000,
    500,
  );
  const left = OUTAGE_MS - (Date.now() - started);
  if (left > 0) await sleep(left);
  await heal(stack.sandbox, 'postgres-failure');
  const toRecoveredS = await recoveredAfter(stack, 'db:sbx1', started);
  const threads = topLevel(stack) - before;
  return {
    scenario: `cascade (DB down ${OUTAGE_MS / 1000} s)`,
    topology,
    causes: 1,
    threads,
    topLevel: threads,
    toRecoveredS,
  };
}

async function provider(stack: E2EStack, topology: string): Promise<Row> {
  const before = topLevel(stack);
  const started = Date.now();
  await breakScenario(stack.sandbox, 'provider-outage', { provider: 'kalshi', variant: '503' });
  await sleep(PROVIDER_MS);
  await heal(stack.sandbox, 'provider-outage');
  const toRecoveredS = await recoveredAfter(stack, 'provider:kalshi', started);
  const threads = topLevel(stack) - before;
  return {
    scenario: `provider (Kalshi 503 ${PROVIDER_MS / 1000} s)`,
    topology,
    causes: 1,
    threads,
    topLevel: threads,
    toRecoveredS,
  };
}

const rows: Row[] = [];
for (const [topology, edits] of [
  ['baseline: no dependencies', NO_DEPENDENCIES],
  ['commands/topology.yml', undefined],
] as const) {
  for (const scenario of [provider, cascade]) {
    // A fresh stack per scenario: nothing left open from the one before.
    const stack = await startStack(edits ? { runbookEdits: edits } : {});
    try {
      await eventually(() => {
        if (!stack.bot.monitor?.isLeader) throw new Error('monitor not leading yet');
      });
      const row = await scenario(stack, topology);
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    } finally {
      await stack.stop();
    }
  }
}

process.stdout.write('\n| scenario | topology | causes | threads | top-level messages | break → "Recovered at" |\n');
process.stdout.write('|---|---|---|---|---|---|\n');
for (const r of rows)
  process.stdout.write(
    `| ${r.scenario} | ${r.topology} | ${r.causes} | ${r.threads} | ${r.topLevel} | ` +
      `${r.toRecoveredS === null ? '—' : `${r.toRecoveredS.toFixed(1)} s`} |\n`,
  );
