import { randomBytes, randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from '../../observability/logger.js';
import { claimDelivery, slackOrigin, type SlackContext } from '../context.js';
import { createHomeReply } from '../home/home-reply.js';
import { createReply, type Reply } from '../reply.js';
import { showAnswer } from '../show-answer.js';
import { guarded, surfaceError } from '../surface-errors.js';
import type { Actor, Origin } from '../../domain/index.js';
import type { TypedTarget } from '../../operations/approval-target.js';
import type { Answer } from '../../operations/types.js';

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Where the modal's answer goes, as the bot wrote it into private_metadata when it opened the modal. */
export interface ModalMeta {
  channel: string;
  threadTs?: string;
  /** Opened from the App Home: the answer goes back to it. */
  home?: boolean;
  [key: string]: unknown;
}

export function readMeta(privateMetadata: string): ModalMeta | undefined {
  try {
    const meta = JSON.parse(privateMetadata) as unknown;
    if (typeof meta !== 'object' || meta === null || typeof (meta as ModalMeta).channel !== 'string') return undefined;
    return meta as ModalMeta;
  } catch {
    return undefined;
  }
}

/** The one value of an input block (a select's choice or typed text). */
export function inputValue(args: ViewArgs, blockId: string, actionId: string): string | undefined {
  const value = args.view.state.values[blockId]?.[actionId];
  return value?.selected_option?.value ?? value?.value ?? undefined;
}

/** Where a submission's private answers go: the channel (and thread) the modal was opened from, or the App Home. */
export function submissionReply(
  ctx: SlackContext,
  { body, view, client }: Pick<ViewArgs, 'body' | 'view' | 'client'>,
  log: Logger,
): Reply {
  const meta = readMeta(view.private_metadata) ?? { channel: body.user.id };
  return meta.home === true
    ? createHomeReply(ctx.homes, { user: body.user.id, channel: meta.channel })
    : createReply({
        client,
        logger: log,
        channel: meta.channel,
        user: body.user.id,
        threadTs: meta.threadTs,
        mode: 'private',
      });
}

export interface ViewRequest {
  meta: ModalMeta;
  user: string;
  reply: Reply;
  origin: Origin;
  log: Logger;
}

/**
 * After the submission's ack: claims it once (the view id is the key — a modal is submitted once)
 * and sets up where its answer goes. The answer is private, in the channel the modal was opened from.
 */
export async function beginSubmission(ctx: SlackContext, args: ViewArgs): Promise<ViewRequest | undefined> {
  const { body, view, client } = args;
  const meta = readMeta(view.private_metadata) ?? { channel: body.user.id };
  const requestId = randomUUID();
  const log = ctx.logger.child({ requestId, user: body.user.id, view: view.callback_id });
  const reply = submissionReply(ctx, { body, view, client }, log);
  try {
    if (!(await claimDelivery(ctx, `view:${view.id}`, 'view'))) return undefined;
  } catch (error) {
    await surfaceError(error, reply, log);
    return undefined;
  }
  ctx.metrics?.countDelivery('view', 'acked');
  return {
    meta,
    user: body.user.id,
    reply,
    origin: slackOrigin({ channel: meta.channel, threadTs: meta.threadTs, deliveryKey: `view:${view.id}`, requestId }),
    log,
  };
}

/**
 * What a typed name is checked against, read from the store as it is now. When the store cannot be
 * read, the error goes under the field with a reference (logged with it), the modal stays open and
 * nothing is recorded: `checked: false`, the submission is already answered.
 */
export async function readTypedTarget(
  ctx: SlackContext,
  args: ViewArgs,
  read: () => Promise<TypedTarget | undefined>,
  field: { blockId: string; form: string; nothing: string },
): Promise<{ checked: true; target: TypedTarget | undefined } | { checked: false }> {
  try {
    return { checked: true, target: await read() };
  } catch (error) {
    const ref = randomBytes(4).toString('hex');
    ctx.logger.error({ err: error, ref }, `could not check ${field.form}`);
    const text = `The bot cannot check this right now (ref ${ref}). ${field.nothing}; try again.`;
    await args.ack({ response_action: 'errors', errors: { [field.blockId]: text } });
    return { checked: false };
  }
}

/**
 * The end of a submission whose fields passed: ack, claim the delivery once, then ask the core as
 * the submitter and show its answer; a failure is told to the person by the guard.
 */
export async function submitToCore(
  ctx: SlackContext,
  args: ViewArgs,
  ask: (actor: Actor, request: ViewRequest) => Promise<Answer>,
): Promise<void> {
  await args.ack();
  const request = await beginSubmission(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const actor = await ctx.ops.actorFor(request.user);
    await showAnswer(await ask(actor, request), request.reply);
  });
}

/**
 * A form's field errors that reached Slack too late to be shown under their fields (./late-ack.ts):
 * the person saw Slack's own error instead, so the bot says privately what was wrong.
 */
export async function tellLateFormAnswer(
  ctx: SlackContext,
  args: Pick<ViewArgs, 'body' | 'view' | 'client'>,
  response: ViewResponseAction,
  ref: string,
): Promise<void> {
  if (response.response_action !== 'errors') return;
  const problems = Object.values(response.errors).join('\n');
  const log = ctx.logger.child({ ref, user: args.body.user.id, view: args.view.callback_id });
  await submissionReply(ctx, args, log).private({
    text:
      `:warning: The bot was too slow to answer your form in time (ref ${ref}), so Slack showed an error. ` +
      `The form was not accepted:\n${problems}`,
  });
}
