import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebClient } from '@slack/web-api';
import { readManifest, startSlackEmulator } from '@recio/slack-emulator/index';
import { createLogger } from '@recio/bot/observability/logger';
import { createPublisher, createSlackWebClient } from '@recio/bot/slack/index';
import type { UpdateBudgetOptions } from '@recio/bot/slack/update-budget';
import { openStore } from '@recio/bot/store/index';
import { createTestDatabase } from '../support/pg-database.js';
import { REPO_MANIFEST } from '../support/slack-fake.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * Many live run messages (in the ops channel, where runs and incidents live, and wherever else
 * runs were asked for), each changing every `everyMs` for `forMs`: the store's outbox, the real publisher,
 * and the Slack emulation with Slack's Tier 3 for chat.update (50 at once, then 50 a minute, per workspace).
 * Shared by the publisher's test and `npm run bench:updates`.
 */
export interface LiveUpdatesOptions {
  runs: number;
  everyMs: number;
  forMs: number;
  /** The publisher's budget; `false` is the publisher before it had one (per-message pacing only). */
  budget: UpdateBudgetOptions | false;
  /** Where the runs live, round-robin (default: all in the ops channel). */
  channels?: readonly string[];
  /** How long to wait for every message to show its last version (default 180 s). */
  settleTimeoutMs?: number;
}

export interface LiveUpdatesResult {
  enqueued: number;
  updateCalls: number;
  /** chat.update answered HTTP 429 (the client waits Retry-After and tries again). */
  ratelimited: number;
  /** From a version being enqueued to that version (or a newer one) showing in Slack. */
  freshnessMs: number[];
  /** From the last change to every message showing it; undefined if they never all did. */
  settleMs: number | undefined;
  allFinal: boolean;
}

const OPS = 'C0OPS000001';

export async function runLiveUpdates(options: LiveUpdatesOptions): Promise<LiveUpdatesResult> {
  const db = await createTestDatabase('recio_updates');
  const dataDir = await ownedTempDir('updates');
  // Posting the messages first is not what is measured: posts are let through quickly.
  const slack = await startSlackEmulator({
    manifest: readManifest(REPO_MANIFEST),
    rateLimits: { postMessagePerChannel: { perMinute: 6_000, burst: 100 } },
  });
  const store = await openStore({ databaseUrl: db.url, dataDir });
  const logger = createLogger({ level: 'silent' });
  const publisher = createPublisher({
    store,
    client: createSlackWebClient({ botToken: slack.tokens.bot, apiUrl: slack.apiUrl }, logger),
    logger,
    intervalMs: 200,
    updateBudget: options.budget,
  });
  try {
    const poster = new WebClient(slack.tokens.bot, { slackApiUrl: slack.apiUrl });
    const enqueuedAt: number[][] = [];
    const seen: number[] = [];
    const channels = options.channels ?? [OPS];
    const channelOf = (i: number) => channels[i % channels.length]!;
    for (let i = 0; i < options.runs; i += 1) {
      const posted = await poster.chat.postMessage({ channel: channelOf(i), text: `run ${i} version 0` });
      const { message } = await store.outbox.enqueue({
        dedupeKey: `run${i}:post`,
        channel: channelOf(i),
        kind: 'post',
        payload: { text: `run ${i} version 0` },
      });
      await store.outbox.markSent(message.id, posted.ts ?? null);
      enqueuedAt.push([Date.now()]);
      seen.push(0);
    }
    const freshnessMs: number[] = [];
    const stop = slack.state.subscribe((change) => {
      if (change.type !== 'message_changed') return;
      const match = /^run (\d+) version (\d+)$/.exec(change.message.text);
      if (!match) return;
      const [run, version] = [Number(match[1]), Number(match[2])];
      const at = Date.now();
      for (let v = seen[run]! + 1; v <= version; v += 1) freshnessMs.push(at - enqueuedAt[run]![v]!);
      seen[run] = Math.max(seen[run]!, version);
    });
    publisher.start();
    const until = Date.now() + options.forMs;
    let enqueued = 0;
    while (Date.now() < until) {
      for (let i = 0; i < options.runs; i += 1) {
        const version = enqueuedAt[i]!.length;
        enqueuedAt[i]!.push(Date.now());
        await store.outbox.enqueue({
          dedupeKey: `run${i}:v${version}`,
          channel: channelOf(i),
          kind: 'update',
          updateOf: `run${i}:post`,
          payload: { text: `run ${i} version ${version}` },
        });
        enqueued += 1;
      }
      publisher.wake();
      await sleep(options.everyMs);
    }
    const lastChange = Date.now();
    const finalOf = (i: number) => enqueuedAt[i]!.length - 1;
    const deadline = lastChange + (options.settleTimeoutMs ?? 180_000);
    let allFinal = false;
    while (Date.now() < deadline) {
      allFinal = seen.every((v, i) => v === finalOf(i));
      if (allFinal) break;
      await sleep(100);
    }
    const settleMs = allFinal ? Date.now() - lastChange : undefined;
    stop();
    const calls = slack.state.callsTo('chat.update');
    return {
      enqueued,
      updateCalls: calls.length,
      ratelimited: calls.filter((c) => c.httpStatus === 429).length,
      freshnessMs,
      settleMs,
      allFinal,
    };
  } finally {
    await publisher.stop();
    await store.close();
    await slack.close();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
