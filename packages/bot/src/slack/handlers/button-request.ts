import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { Logger } from '../../observability/logger.js';
import { claimDelivery, slackOrigin, type SlackContext } from '../context.js';
import { createHomeReply } from '../home/home-reply.js';
import { createReply, type Reply } from '../reply.js';
import { surfaceError } from '../surface-errors.js';
import type { Origin } from '../../domain/index.js';
import { openModalNow } from './modal-first.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** A click, unpacked: the opaque id it carried, who clicked, and where the answer goes. */
export interface ButtonRequest {
  /** Only ever a store id (approval, step, run, incident) — and still untrusted: it is looked up, never parsed. */
  value: string;
  user: string;
  triggerId: string;
  reply: Reply;
  origin: Origin;
  log: Logger;
  /** The modal opened right after the ack (when asked for), to be filled with views.update. */
  modalId?: string | undefined;
}

/**
 * Acks, opens `options.modal` if asked (before anything slow: its trigger id lives 3 s), then
 * claims the click (a duplicate delivery carries the same trigger id and stops here). A double
 * click is two deliveries with two trigger ids: the store's conditional updates make the second
 * one a no-op, not this.
 */
export async function beginButton(
  ctx: SlackContext,
  { ack, body, action, client, respond }: ButtonArgs,
  options: { modal?: ModalView } = {},
): Promise<ButtonRequest | undefined> {
  await ack();
  // A click in the App Home has no channel: what it starts is told in the ops channel, its answer in the Home.
  const home = body.view?.type === 'home';
  const channel = home
    ? (ctx.ops.opsChannel ?? body.user.id)
    : (body.channel?.id ?? (body.container.channel_id as string | undefined) ?? body.user.id);
  const threadTs = typeof body.message?.thread_ts === 'string' ? body.message.thread_ts : undefined;
  const requestId = randomUUID();
  const log = ctx.logger.child({ requestId, user: body.user.id, action: action.action_id });
  const modalId = options.modal ? await openModalNow(client, body.trigger_id, options.modal, log) : undefined;
  const reply = home
    ? createHomeReply(ctx.homes, { user: body.user.id, channel })
    : createReply({ client, logger: log, channel, user: body.user.id, threadTs, respond, mode: 'private' });
  try {
    if (!(await claimDelivery(ctx, `act:${body.trigger_id}`, 'action'))) return undefined;
  } catch (error) {
    await surfaceError(error, reply, log);
    return undefined;
  }
  ctx.metrics?.countDelivery('action', 'acked');
  return {
    value: typeof action.value === 'string' ? action.value.slice(0, 200) : '',
    user: body.user.id,
    triggerId: body.trigger_id,
    reply,
    origin: slackOrigin({ channel, threadTs, deliveryKey: `act:${body.trigger_id}`, requestId }),
    log,
    modalId,
  };
}
