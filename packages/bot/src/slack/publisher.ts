import { setTimeout as sleep } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { OutboxMessage, Store } from '../store/index.js';
import { incidentOfPost, renderOutbox } from './publisher-render.js';
import { sendOutbox } from './publisher-send.js';
import { tellRequester } from './publisher-notify.js';
import { classifySlackError } from './slack-errors.js';
import { createUpdateBudget, type UpdateBudgetOptions } from './update-budget.js';

export interface PublisherDeps {
  store: Store;
  /** A client of its own (createSlackWebClient): a 429 pauses only the publisher's queue. */
  client: WebClient;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** How often to look without being woken (default 2 s). */
  intervalMs?: number;
  /** Names this sender in outbox claims (default: the store's instance id). */
  sender?: string;
  /** Told after each row reached Slack (the App Home re-publishes when an incident changed). Never fails a send. */
  onSent?: (message: OutboxMessage) => void;
  /**
   * The workspace's chat.update budget (see update-budget.ts). `false` paces each message on its
   * own and nothing more — how the publisher worked before; the bench measures both.
   */
  updateBudget?: UpdateBudgetOptions | false;
  /** The scenarios whose runbook restores a dump (recoveryOffers): their Run recovery opens the picker. */
  restoringDump?: ReadonlySet<string>;
  /** The pitr-restore runbook is loaded: those incidents' parents offer Point-in-time restore too. */
  offersPitr?: boolean;
}

export interface Publisher {
  start(): void;
  /** Something was enqueued: send it now (wire this to the engine's onChange). */
  wake(): void;
  /** Sends everything due now, then resolves (tests, shutdown). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** The Web API method each kind of outbox row ends in, for the metrics. */
const METHOD: Record<OutboxMessage['kind'], string> = {
  post: 'chat.postMessage',
  update: 'chat.update',
  ephemeral: 'chat.postEphemeral',
  delete: 'chat.delete',
  upload: 'files.uploadV2',
};

/** Slack allows about one message a second per channel; updates of one message are kept to the same pace. */
const PACE_MS = 1_050;
const DEFER_MS = 1_000;
/** Deferrals are not failures: a row may wait for its turn many times without being given up. */
const WAITS_ALLOWED = 1_000;

/**
 * Drains the store's outbox into Slack: claims due rows (at most one per channel, oldest first, so
 * threads read in order), renders each from the store as it is now, posts / updates / uploads, and
 * records Slack's ts. A 429 schedules the row for after Retry-After; a permanent error marks it
 * failed, logs it, and tells the person who asked. After an incident's parent message is posted,
 * its ts becomes the incident's thread.
 */
export function createPublisher(deps: PublisherDeps): Publisher {
  const { store, client, logger } = deps;
  const sender = deps.sender ?? store.instanceId;
  const intervalMs = deps.intervalMs ?? 2_000;
  const lastPost = new Map<string, number>();
  const lastUpdate = new Map<string, number>();
  const budget = deps.updateBudget === false ? undefined : createUpdateBudget(deps.updateBudget);
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;

  async function paced(map: Map<string, number>, key: string): Promise<void> {
    const wait = (map.get(key) ?? 0) + PACE_MS - Date.now();
    if (wait > 0) await sleep(wait);
    map.set(key, Date.now());
  }

  /** Puts the row off until `ms` from now; it does not hold up its channel meanwhile (claimDue). */
  async function defer(message: OutboxMessage, ms: number, why: string): Promise<void> {
    await store.outbox.markFailed(message.id, `waiting: ${why}`, {
      retryAt: new Date(Date.now() + ms),
      maxAttempts: WAITS_ALLOWED,
    });
  }

  async function sendOne(message: OutboxMessage): Promise<void> {
    try {
      if (message.kind === 'post') await paced(lastPost, message.channel);
      if (message.kind === 'update' && message.updateOf) {
        if (budget === undefined) await paced(lastUpdate, message.updateOf);
        else {
          const wait = budget.claim(message.updateOf);
          if (wait > 0) return await defer(message, wait, "the workspace's chat.update budget");
        }
      }
      const rendered = await renderOutbox(store, message, {
        restoringDump: deps.restoringDump,
        offersPitr: deps.offersPitr,
      });
      let outcome: Awaited<ReturnType<typeof sendOutbox>>;
      try {
        outcome = await sendOutbox(client, store, message, rendered);
      } catch (error) {
        // Blocks Slack refused are our bug; the words still matter more than the layout.
        if (classifySlackError(error).error !== 'invalid_blocks') throw error;
        logger.error({ err: error, key: message.dedupeKey }, 'Slack refused the blocks; sending the text alone');
        outcome = await sendOutbox(client, store, message, rendered, true);
      }
      if (outcome.status === 'wait') return await defer(message, DEFER_MS, outcome.why);
      if (outcome.status === 'gone') {
        await store.outbox.markFailed(message.id, outcome.why, { permanent: true });
        logger.warn({ key: message.dedupeKey }, outcome.why);
        return;
      }
      await store.outbox.markSent(message.id, outcome.ts);
      deps.metrics?.countSlackCall(METHOD[message.kind], 'ok');
      const incidentId = incidentOfPost(message);
      if (incidentId !== undefined && outcome.ts !== null)
        await store.incidents.setThread(incidentId, message.channel, outcome.ts);
      try {
        deps.onSent?.(message);
      } catch (error) {
        logger.warn({ err: error, key: message.dedupeKey }, 'a listener of sent messages failed');
      }
    } catch (error) {
      const failure = classifySlackError(error);
      deps.metrics?.countSlackCall(METHOD[message.kind], failure.kind === 'rate_limited' ? 'ratelimited' : 'error');
      if (failure.kind === 'rate_limited') {
        if (message.kind === 'update') budget?.backOff(failure.retryAfterSeconds * 1000);
        await store.outbox.markFailed(message.id, failure.error, {
          retryAt: new Date(Date.now() + failure.retryAfterSeconds * 1000),
        });
        return;
      }
      const after = await store.outbox.markFailed(message.id, failure.error, {
        permanent: failure.kind === 'permanent',
      });
      if (after?.state === 'failed') {
        logger.error(
          { err: error, key: message.dedupeKey, channel: message.channel, slackError: failure.error },
          'could not deliver a message to Slack; giving up on it',
        );
        await tellRequester(store, client, message, failure.error).catch((e: unknown) =>
          logger.error({ err: e }, 'could not tell the requester either'),
        );
      } else {
        logger.warn({ key: message.dedupeKey, slackError: failure.error }, 'Slack send failed; will retry');
      }
    }
  }

  async function drainOnce(): Promise<number> {
    const batch = await store.outbox.claimDue({ limit: 25, leaseMs: 60_000, sender });
    await Promise.all(batch.map(sendOne));
    return batch.length;
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if ((await drainOnce()) > 0) continue;
      } catch (error) {
        logger.error({ err: error }, 'publisher pass failed; trying again shortly');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake: () => wakeUp?.(),
    async drain() {
      while ((await drainOnce()) > 0);
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}
