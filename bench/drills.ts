/**
 * npm run bench:drills — each scenario of the plan drilled 5 times in a sandbox (`runDrill`, as
 * `recio drill` runs it): median time from the break to detection (the monitor opens the incident)
 * and to the checklist green, the operator actions the bot needed, beside the commands the plan
 * makes a person type. Real sandbox (PostgreSQL, supervisord, sshd + agent, stand-ins), real store
 * (the machine's PostgreSQL), the bot's own monitor settings (RECIO_MONITOR_INTERVAL_MS, default
 * 10 s; no event listener in the sandbox, so detection is by polling). The one thing shortened: the
 * provider-outage runbook's 15-minute reconnect wait (→ 30 s) and its 12-hour recovery wait's
 * 30-second poll (→ 5 s), in a copy of commands/. Each break comes at a random point of the
 * monitor's cycle. Between runs `heal` resets the sandbox.
 * Prints a Markdown table (for docs/drills.md) and one JSON line.
 */
import { chmod, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMonitor } from '@recio/bot/compose';
import {
  CHECKLIST_CHECKS,
  openDrillContext,
  planStepsFor,
  runDrill,
  type DrillResult,
  type OpenedDrill,
} from '@recio/bot/drills/index';
import { heal, sandboxDown, sandboxUp, type BreakFlags, type Scenario } from '@recio/sandbox/index';
import { silentLogger } from '@recio/bot/store/logger';
import { markOwned, ownedTempDir } from '../test/support/leftovers.js';
import { createTestDatabase } from '../test/support/pg-database.js';
import { summarize } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const INTERVAL_MS = process.env.BENCH_MONITOR_INTERVAL_MS ?? process.env.RECIO_MONITOR_INTERVAL_MS ?? '10000';
const ONLY = process.env.BENCH_ONLY?.split(',');
const BENCH_APPROVER_SLACK_ID = 'U0BENCH0002';

interface Row {
  label: string;
  scenario: Scenario;
  flags: BreakFlags;
}

const ALL_ROWS: Row[] = [
  { label: 'postgres-failure — server stopped', scenario: 'postgres-failure', flags: { variant: 'stop' } },
  {
    label: 'postgres-failure — table dropped (restore)',
    scenario: 'postgres-failure',
    flags: { variant: 'drop-table' },
  },
  {
    label: 'service-crash — trade_executor crash-looping',
    scenario: 'service-crash',
    flags: { service: 'trade_executor' },
  },
  { label: 'provider-outage — Kalshi 503', scenario: 'provider-outage', flags: { provider: 'kalshi', variant: '503' } },
  { label: 'bad-release — v2.5.0 deployed', scenario: 'bad-release', flags: {} },
];
const ROWS = ALL_ROWS.filter((r) => ONLY === undefined || ONLY.includes(r.scenario));

// Marked with this process as owner, as the tests mark theirs: a bench killed half-way leaves a
// sandbox running, which the next test run or `recio sandbox down --leftovers` reaps.
const dir = await ownedTempDir('bench-drills');
await chmod(dir, 0o755);
const sandboxDir = join(dir, 'sbx');
markOwned('sandbox', sandboxDir);
const user = `recio-bnch${Math.floor(Math.random() * 0xffff).toString(16)}`;
if (process.getuid?.() === 0) markOwned('user', user);
const storeDb = await createTestDatabase('recio_drillbench');
const sec = (ms: number | null | undefined) =>
  ms === null || ms === undefined || Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`;

/** commands/ with the provider-outage windows shortened (the only runbook change). */
async function runbooksCopy(): Promise<string> {
  const target = join(dir, 'commands');
  await cp(resolve(import.meta.dirname, '../commands'), target, { recursive: true });
  const file = join(target, 'provider-outage.yml');
  const text = await readFile(file, 'utf8');
  const edited = text
    .replace('retry: { every: 30s, within: 15m, from: detected }', 'retry: { every: 5s, within: 30s, from: detected }')
    .replace('retry: { every: 30s, within: 12h }', 'retry: { every: 5s, within: 12h }');
  if (edited === text) throw new Error("provider-outage.yml changed: update the bench's edit");
  await writeFile(file, edited);
  return target;
}

async function drillOnce(opened: OpenedDrill, row: Row): Promise<DrillResult> {
  try {
    return await runDrill(opened.ctx, opened.target, {
      scenario: row.scenario,
      flags: row.flags,
      startedBy: 'cli:bench',
      approveAs: 'cli:bench-approver',
    });
  } finally {
    // A failed drill leaves its incidents open; the next run must start from nothing open.
    for (const open of await opened.ctx.store.incidents.listUnresolved())
      await opened.ctx.store.incidents.advance(open.id, 'resolved', 'bench');
  }
}

const results: Array<{ row: Row; runs: DrillResult[] }> = [];
try {
  const sandbox = await sandboxUp({ dir: sandboxDir, user });
  const env = {
    DATABASE_URL: storeDb.url,
    RECIO_DATA_DIR: join(dir, 'data'),
    RECIO_MONITOR_INTERVAL_MS: INTERVAL_MS,
    RECIO_RUNBOOKS_DIR: await runbooksCopy(),
    // The drill's second person: a terminal user is read-only until mapped to a lead's Slack id.
    RECIO_LEAD_OPERATORS: BENCH_APPROVER_SLACK_ID,
    RECIO_CLI_USERS: `bench-approver:${BENCH_APPROVER_SLACK_ID}`,
  };
  const opened = await openDrillContext({ env, sandboxDir, logger: silentLogger });
  // One monitor for the whole bench, as a running bot has (a monitor started per drill would
  // always poll just after the break).
  const monitor = createMonitor(opened.core);
  await monitor.start();
  // It must have seen the good release checked out before the first bad deploy.
  for (let i = 0; i < 200 && !monitor.isLeader; i++) await new Promise((r) => setTimeout(r, 100));
  if (!monitor.isLeader)
    throw new Error("the bench's monitor did not become leader: is a bot running on the same store?");
  await monitor.probeOnce();
  opened.ctx.ensureMonitor = async () => async () => undefined;
  try {
    for (const row of ROWS) {
      const runs: DrillResult[] = [];
      for (let i = 0; i < RUNS; i++) {
        // A real fault arrives at any point of the monitor's cycle; drills of a fixed length back to
        // back would all land at the same one.
        await sleep(Math.random() * Number(INTERVAL_MS));
        const result = await drillOnce(opened, row);
        runs.push(result);
        const outcome = result.ok ? 'passed' : `FAILED (${result.failures.join('; ')})`;
        const also = result.alsoOpened.length ? `, also opened: ${result.alsoOpened.join('; ')}` : '';
        process.stderr.write(
          `${row.label} #${i + 1}: ${outcome}, detect ${sec(result.timeToDetectMs)}, ` +
            `green ${sec(result.timeToGreenMs)}, ${result.operatorActions.length} actions${also}\n`,
        );
        await heal(sandbox);
      }
      results.push({ row, runs });
    }
  } finally {
    await monitor.close();
    await opened.close();
  }
} finally {
  // A failed cleanup is said, not swallowed: `recio sandbox down --leftovers` reaps what it left.
  const said = (what: string) => (error: unknown) => console.error(`bench:drills: could not ${what}:`, error);
  await sandboxDown(sandboxDir).catch(said('take the sandbox down'));
  await storeDb.drop().catch(said('drop its store database'));
  await rm(dir, { recursive: true, force: true });
  if (process.getuid?.() === 0) await import('execa').then(({ execa }) => execa('userdel', [user], { reject: false }));
}

const lines = [
  `recio-bot bench:drills — ${RUNS} drills per scenario in the sandbox, ` +
    `monitor polling every ${Number(INTERVAL_MS) / 1000} s`,
  '',
  '| Scenario (plan §) | The plan by hand | The bot: operator actions | ' +
    'Break → detected, median (max) | Break → green, median (max) | Passed |',
  '|---|---|---|---|---|---|',
];
const summary = [];
for (const { row, runs } of results) {
  const passed = runs.filter((r) => r.ok);
  const detect = summarize(runs.flatMap((r) => (r.timeToDetectMs === undefined ? [] : [r.timeToDetectMs])));
  const green = summarize(passed.flatMap((r) => (r.timeToGreenMs === undefined ? [] : [r.timeToGreenMs])));
  const actions = [...new Set(passed.map((r) => r.operatorActions.length))].sort((a, b) => a - b);
  const plan = planStepsFor(row.scenario, row.flags.variant);
  const extra = plan.also ? ` + ${plan.also}` : '';
  const worst = (values: number[]) => (values.length === 0 ? undefined : Math.max(...values));
  const detectMax = worst(runs.flatMap((r) => (r.timeToDetectMs === undefined ? [] : [r.timeToDetectMs])));
  const greenMax = worst(passed.flatMap((r) => (r.timeToGreenMs === undefined ? [] : [r.timeToGreenMs])));
  const cells = [
    `${row.label} (${plan.section})`,
    `${plan.commands.length} commands${extra}; then ${CHECKLIST_CHECKS} checklist checks`,
    actions.join('–') || '—',
    `${sec(detect.median)} (${sec(detectMax)})`,
    `${sec(green.median)} (${sec(greenMax)})`,
    `${passed.length}/${runs.length}`,
  ];
  lines.push(`| ${cells.join(' | ')} |`);
  summary.push({
    scenario: row.scenario,
    flags: row.flags,
    runs: runs.length,
    passed: passed.length,
    detectMs: detect,
    greenMs: green,
    operatorActions: actions,
    planCommands: plan.commands.length,
    failures: runs.flatMap((r) => r.failures),
    alsoOpened: [...new Set(runs.flatMap((r) => r.alsoOpened))],
  });
}
console.log(lines.join('\n'));
console.log(
  JSON.stringify({ bench: 'drills', runsPerScenario: RUNS, monitorIntervalMs: Number(INTERVAL_MS), rows: summary }),
);
