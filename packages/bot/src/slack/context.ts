import type { Logger } from '../observability/logger.js';
import type { DeliveryKind, Metrics } from '../observability/metrics.js';
import type { Operations } from '../operations/operations.js';
import type { Store } from '../store/index.js';
import type { HomeTabs } from './home/home-tabs.js';
import type { WorkQueue } from './work-queue.js';
import type { Origin } from '../domain/index.js';

/** What every handler needs; built once by createSlackApp. */
export interface SlackContext {
  /** The one door into the core. */
  ops: Operations;
  /** Delivery keys: a retried or redelivered Slack request acts once. */
  deliveries: Pick<Store['deliveries'], 'claim'>;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Wakes the publisher after the edge itself enqueued a message (e.g. an acknowledged incident). */
  onOutbox(): void;
  /** Where commands and mentions do their work after the ack. */
  work: WorkQueue;
  /** Everyone's App Home: published when opened, refreshed when an incident changes; answers to Home clicks. */
  homes: HomeTabs;
}

/**
 * Slack retries a delivery it thinks failed (`X-Slack-Retry-Num`), and Socket Mode redelivers an
 * envelope it did not see acked: the key is claimed in the store, under a unique constraint, so
 * exactly one delivery — on any replica — goes on to act.
 */
export async function claimDelivery(ctx: SlackContext, key: string, kind: DeliveryKind): Promise<boolean> {
  const claim = await ctx.deliveries.claim(key, kind);
  if (!claim.claimed) {
    ctx.metrics?.countDelivery(kind, 'duplicate');
    ctx.logger.info({ key, firstSeenAt: claim.firstSeenAt, seenBy: claim.seenBy }, 'duplicate Slack delivery ignored');
  }
  return claim.claimed;
}

/** Every Slack request's origin: where answers go, and the keys that tie its effects together. */
export function slackOrigin(input: {
  channel?: string | undefined;
  threadTs?: string | undefined;
  deliveryKey: string;
  requestId: string;
}): Origin {
  return {
    surface: 'slack',
    ...(input.channel ? { channel: input.channel } : {}),
    ...(input.threadTs ? { threadTs: input.threadTs } : {}),
    deliveryKey: input.deliveryKey,
    requestId: input.requestId,
  };
}
