import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand } from '../../intents/parse.js';
import { readSlackText } from '../../intents/slack-text.js';
import { claimDelivery, slackOrigin, type SlackContext } from '../context.js';
import { createReply } from '../reply.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { clip } from '../views/kit.js';
import { loadingModal, noticeModal, serviceModal } from '../views/modals.js';
import { handleIntent, isFilelessRestore, isTaglessRollback, missingService } from './intents.js';
import { restorePicker } from './restore-picker.js';
import { openModalNow } from './modal-first.js';
import { fillRollbackModal } from './rollback-picker.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/recio …`. Slack wants the ack within 3 s, so it comes first — before the store, before any
 * SSH. A line that does not parse is answered in the ack itself. A modal, if the command needs
 * one, opens next (its trigger id lives 3 s). Everything else goes to the work queue: the
 * delivery is claimed (a retry or a redelivered envelope stops there), then the core decides.
 */
export async function onRecioCommand(ctx: SlackContext, { command, ack, respond, client }: Args): Promise<void> {
  const started = performance.now();
  // Slack escapes what was typed (&amp; &lt; &gt;, and <#C…|name> with should_escape): read it once.
  const text = readSlackText(command.text);
  const parsed = parseCommand(text, ctx.ops.vocabulary);
  const verb = missingService(text, parsed);
  const requestId = randomUUID();
  const origin = slackOrigin({ channel: command.channel_id, deliveryKey: command.trigger_id, requestId });
  if (!parsed.ok && verb === undefined) {
    await ack({ response_type: 'ephemeral', text: parsed.message });
    ctx.metrics?.countDelivery('command', 'invalid');
    ctx.work.push(async () => {
      if (!(await claimDelivery(ctx, `cmd:${command.trigger_id}`, 'command'))) return;
      await ctx.ops.auditRefusal(command.user_id, 'command', 'parse_error', origin, { text: clip(text, 200) });
    });
    return;
  }
  await ack();
  ctx.metrics?.observeAck('command', (performance.now() - started) / 1000);
  const log = ctx.logger.child({ requestId, user: command.user_id, channel: command.channel_id });
  const place = { channel: command.channel_id };
  const opening =
    verb !== undefined
      ? serviceModal(verb, ctx.ops.vocabulary.services, place, ctx.ops.appHosts())
      : parsed.ok && isTaglessRollback(parsed.intent)
        ? loadingModal('Roll back', 'Reading the release tags from the app host…')
        : parsed.ok && isFilelessRestore(parsed.intent)
          ? loadingModal('Restore a dump', 'Listing the dumps on the database host, local and offsite…')
          : undefined;
  // A redelivered command carries the same trigger id, already used: its modal cannot open again.
  const modal = opening === undefined ? undefined : await openModalNow(client, command.trigger_id, opening, log);
  const reply = createReply({
    client,
    logger: log,
    channel: command.channel_id,
    user: command.user_id,
    respond,
    mode: 'private',
  });
  ctx.work.push(() =>
    guarded(reply, log, async () => {
      // Inside the guard: a store that cannot be reached is told to the person, not only logged.
      if (!(await claimDelivery(ctx, `cmd:${command.trigger_id}`, 'command'))) return;
      ctx.metrics?.countDelivery('command', 'acked');
      if (verb !== undefined) {
        // Roles are checked when the modal is submitted; without a modal, say how to name one.
        if (modal === undefined)
          await showAnswer({ type: 'choose_service', verb, services: ctx.ops.vocabulary.services }, reply);
        return;
      }
      if (!parsed.ok) return;
      const { answer } = await handleIntent(ctx, parsed.intent, command.user_id, origin);
      if (answer.type === 'choose_tag' && modal !== undefined)
        return fillRollbackModal(ctx, client, modal, requestId, place);
      if (answer.type === 'choose_dump' && modal !== undefined)
        return client.views.update({ view_id: modal, view: restorePicker(answer, place) }).then(() => undefined);
      if (modal !== undefined)
        await client.views.update({
          view_id: modal,
          view: noticeModal(
            isFilelessRestore(parsed.intent) ? 'Restore a dump' : 'Roll back',
            answer.type === 'denied' ? `:no_entry: ${answer.text}` : 'See the message from recio.',
          ),
        });
      await showAnswer(answer, reply);
    }),
  );
}
