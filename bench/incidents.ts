/**
 * npm run bench:incidents — threads and top-level messages per cause, and the time from the break
 * to "Recovered at …" on the cause's parent, on the sandbox REC.IO with the whole bot and the Slack
 * emulator (as test/e2e runs them). Four scenarios:
 *   - cascade: PostgreSQL stopped for 60 s while all six programs go FATAL, then started again;
 *   - provider: Kalshi answering 503 for 20 s, then healthy;
 *   - service-crash: trade_executor crashes until supervisord gives up (FATAL); a lead_operator clicks
 *     Run recovery on the incident as soon as it is posted (§1.2: the restart);
 *   - bad-release: the bad tag deployed while the bot is down (the bot restarted across the deploy:
 *     what it knew of the good release is in the store); Run recovery, a second lead_operator
 *     approves the rollback by typing the tag, as soon as each is offered.
 * Each runs twice in the same run: the baseline with a topology.yml that declares no dependencies
 * (every failure its own incident: the bot before issue 13), then with commands/topology.yml. In
 * the last two, "recovered" includes the bot's own recovery (people clicking at once, through the
 * emulator), not a person's reaction time. Target: one thread per cause.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { incidentPostKey } from '@recio/bot/runbooks/run-notices';
import { ActionId, BlockId } from '@recio/bot/slack/ids';
import { BAD_TAG, breakScenario, GOOD_TAG, heal } from '@recio/sandbox/index';
import { programs } from '../test/e2e/support/sandbox-facts.js';
import { ALICE, BOB, OPS, startStack, type E2EStack } from '../test/e2e/support/stack.js';
import type { RunbookEdits } from '../test/e2e/support/runbooks-copy.js';

const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 60_000);
const PROVIDER_MS = Number(process.env.BENCH_PROVIDER_MS ?? 20_000);

// The baseline: the same file with every dependency list emptied (edits apply to the first match).
const NO_DEPENDENCIES: RunbookEdits = {
  'topology.yml': [
    ...Array.from({ length: 3 }, (): [string, string] => ['[postgresql, release]', '[]']),
    ['[postgresql, release, kalshi_api_watchdog, btc_price_watchdog]', '[]'],
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

const topLevelMessages = (stack: E2EStack) => stack.slack.state.messagesIn(OPS, { topLevelOnly: true });
const topLevel = (stack: E2EStack) => topLevelMessages(stack).length;

/** Top-level messages since `before`, and how many of them are an incident's parent (a thread). */
async function countSince(stack: E2EStack, before: number): Promise<{ threads: number; topLevel: number }> {
  const since = topLevelMessages(stack).slice(before);
  const parents = new Set<string>();
  for (const incident of await stack.bot.core.store.incidents.listRecent(100)) {
    const ts = (await stack.bot.core.store.outbox.getByDedupeKey(incidentPostKey(incident.id)))?.slackTs;
    if (ts) parents.add(ts);
  }
  return { threads: since.filter((m) => parents.has(m.ts)).length, topLevel: since.length };
}

/** The incident's parent message, once posted. */
async function parentOf(stack: E2EStack, fingerprint: string): Promise<MessageRecord> {
  return eventually(async () => {
    const incident = await stack.bot.core.store.incidents.findUnresolved(fingerprint);
    const ts = incident && (await stack.bot.core.store.outbox.getByDedupeKey(incidentPostKey(incident.id)))?.slackTs;
    const message = ts ? stack.slack.state.message(OPS, ts) : undefined;
    if (!message) throw new Error(`no parent for ${fingerprint} yet`);
    return message;
  }, 120_000);
}

/** A reply in the parent's thread offering `actionId`. */
function replyWithButton(stack: E2EStack, parent: MessageRecord, actionId: string): Promise<MessageRecord> {
  return eventually(() => {
    const found = stack.slack.state
      .repliesTo(OPS, parent.ts)
      .find((m) =>
        (m.blocks ?? []).some((b) =>
          ((b as { elements?: Array<{ action_id?: string }> }).elements ?? []).some((e) => e.action_id === actionId),
        ),
      );
    if (!found) throw new Error(`no ${actionId} in the thread yet`);
    return found;
  }, 120_000);
}

const click = (stack: E2EStack, user: string, message: MessageRecord, actionId: string) =>
  stack.slack.deliver.click({ user, channel: OPS, ts: message.ts, actionId });

/** Break → the cause's incident marked recovered (the parent says "Recovered at …"), in seconds. */
async function recoveredAfter(stack: E2EStack, fingerprint: string, started: number): Promise<number | null> {
  try {
    return await eventually(async () => {
      const incident = await stack.bot.core.store.incidents.findUnresolved(fingerprint);
      if (!incident?.recoveredAt) throw new Error('not recovered yet');
      return (incident.recoveredAt.getTime() - started) / 1000;
    }, 180_000);
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
  return {
    scenario: `cascade (DB down ${OUTAGE_MS / 1000} s)`,
    topology,
    causes: 1,
    ...(await countSince(stack, before)),
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
  return {
    scenario: `provider (Kalshi 503 ${PROVIDER_MS / 1000} s)`,
    topology,
    causes: 1,
    ...(await countSince(stack, before)),
    toRecoveredS,
  };
}

async function serviceCrash(stack: E2EStack, topology: string): Promise<Row> {
  const before = topLevel(stack);
  const started = Date.now();
  await breakScenario(stack.sandbox, 'service-crash', { service: 'trade_executor', variant: 'transient' });
  const parent = await parentOf(stack, 'program:sbx1/trade_executor');
  await click(stack, ALICE, parent, ActionId.runRecovery);
  const toRecoveredS = await recoveredAfter(stack, 'program:sbx1/trade_executor', started);
  return {
    scenario: 'service-crash (trade_executor FATAL)',
    topology,
    causes: 1,
    ...(await countSince(stack, before)),
    toRecoveredS,
  };
}

async function badRelease(stack: E2EStack, topology: string): Promise<Row> {
  // The good release ran while the bot watched: the store knows it.
  await eventually(async () => {
    const good = await stack.storeDb.query('SELECT 1 FROM deploy_history WHERE good_at IS NOT NULL');
    if (good.rowCount === 0) throw new Error('the good release not recorded yet');
  }, 60_000);
  const before = topLevel(stack);
  let started = 0;
  await stack.restartBot(async () => {
    started = Date.now();
    await breakScenario(stack.sandbox, 'bad-release');
  });
  const fingerprint = `release:sbx1/${BAD_TAG}`;
  const parent = await parentOf(stack, fingerprint);
  await click(stack, ALICE, parent, ActionId.runRecovery);
  const approval = await replyWithButton(stack, parent, ActionId.approve);
  await click(stack, BOB, approval, ActionId.approve);
  await eventually(() => {
    if (!stack.slack.state.openModal(BOB)) throw new Error('no typed confirmation yet');
  });
  await stack.slack.deliver.submitView({ user: BOB, values: { [BlockId.typedName]: GOOD_TAG } });
  const toRecoveredS = await recoveredAfter(stack, fingerprint, started);
  return {
    scenario: 'bad-release (deployed while the bot was down)',
    topology,
    causes: 1,
    ...(await countSince(stack, before)),
    toRecoveredS,
  };
}

const rows: Row[] = [];
for (const [topology, edits] of [
  ['baseline: no dependencies', NO_DEPENDENCIES],
  ['commands/topology.yml', undefined],
] as const) {
  for (const scenario of [provider, cascade, serviceCrash, badRelease]) {
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
