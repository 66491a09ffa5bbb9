import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand } from '../../intents/parse.js';
import { claimDelivery, slackOrigin, type SlackContext } from '../context.js';
import { createReply } from '../reply.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { clip } from '../views/kit.js';
import { loadingModal, noticeModal, serviceModal } from '../views/modals.js';
import { handleIntent, isTaglessRollback, missingService } from './intents.js';
import { fillRollbackModal } from './rollback-picker.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/recio …`. Slack wants the ack within 3 s, so it comes first — before the store, before any
 * SSH. A line that does not parse is answered in the ack itself. Then the delivery is claimed
 * (a retry or a redelivered envelope stops here), and the core decides and answers.
 */
export async function onRecioCommand(ctx: SlackContext, { command, ack, respond, client }: Args): Promise<void> {
  const parsed = parseCommand(command.text, ctx.vocabulary);
  const verb = missingService(command.text, parsed);
  if (!parsed.ok && verb === undefined) {
    await ack({ response_type: 'ephemeral', text: parsed.message });
    ctx.metrics?.countDelivery('command', 'invalid');
    if (!(await claimDelivery(ctx, `cmd:${command.trigger_id}`, 'command'))) return;
    const origin = slackOrigin({ channel: command.channel_id, deliveryKey: command.trigger_id, requestId: randomUUID() });
    await ctx.ops.auditRefusal(command.user_id, 'command', 'parse_error', origin, { text: clip(command.text, 200) });
    return;
  }
  await ack();
  if (!(await claimDelivery(ctx, `cmd:${command.trigger_id}`, 'command'))) return;
  ctx.metrics?.countDelivery('command', 'acked');
  const requestId = randomUUID();
  const log = ctx.logger.child({ requestId, user: command.user_id, channel: command.channel_id });
  const reply = createReply({ client, logger: log, channel: command.channel_id, user: command.user_id, respond, mode: 'private' });
  const place = { channel: command.channel_id };
  await guarded(reply, log, async () => {
    if (verb !== undefined) {
      // The trigger id is good for 3 s and once: the modal opens now; roles are checked on submit.
      await client.views.open({ trigger_id: command.trigger_id, view: serviceModal(verb, ctx.vocabulary.services, place) });
      return;
    }
    if (!parsed.ok) return;
    const intent = parsed.intent;
    // Reading tags means asking a host (seconds): open a loading modal first, fill it in after.
    const modalId = isTaglessRollback(intent) ? await openLoading(client, command.trigger_id, log) : undefined;
    const origin = slackOrigin({ channel: command.channel_id, deliveryKey: command.trigger_id, requestId });
    const { answer } = await handleIntent(ctx, intent, command.user_id, origin);
    if (answer.type === 'choose_tag' && modalId !== undefined) return fillRollbackModal(ctx, client, modalId, requestId, place);
    if (modalId !== undefined) await client.views.update({ view_id: modalId, view: noticeModal('Roll back', answer.type === 'denied' ? `:no_entry: ${answer.text}` : 'See the message from recio.') });
    await showAnswer(answer, reply);
  });
}

async function openLoading(client: Args['client'], triggerId: string, log: SlackContext['logger']): Promise<string | undefined> {
  try {
    const opened = await client.views.open({ trigger_id: triggerId, view: loadingModal('Roll back', 'Reading the release tags from the app host…') });
    return opened.view?.id;
  } catch (error) {
    // Too late for the trigger (a slow store, a retry): the tags go out as text instead.
    log.warn({ err: error }, 'could not open the rollback modal');
    return undefined;
  }
}
