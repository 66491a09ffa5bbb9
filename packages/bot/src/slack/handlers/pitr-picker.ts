import { randomUUID } from 'node:crypto';
import { parseTypedTarget } from '../../runbooks/pitr-choice.js';
import { slackOrigin, type SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { loadingModal, noticeModal } from '../views/modals.js';
import { pitrModal } from '../views/pitr-modal.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { fillingModal } from './modal-first.js';
import { inputValue, readMeta, submitToCore, type ViewArgs } from './view-request.js';

const HEADING = 'Point-in-time restore';

/**
 * Point-in-time restore on an incident's parent: a modal opens at once (reading the window over
 * SSH outlasts the trigger id's 3 s), then the desk checks the role (a refusal is audited and shown
 * in the modal and privately) and the modal shows the window with the proposed target to edit.
 */
export async function onPitrButton(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  const opening = loadingModal(HEADING, 'Reading the recoverable window on the database host…');
  const request = await beginButton(ctx, args, { modal: opening });
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, HEADING, request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const offer = await ctx.ops.pitrOffer(request.value, actor, request.origin);
      if (offer.type !== 'pitr_offer') {
        if (modalId !== undefined) {
          const said = offer.type === 'denied' ? `:no_entry: ${offer.text}` : 'See the message from recio.';
          await args.client.views.update({ view_id: modalId, view: noticeModal(HEADING, said) });
        }
        return showAnswer(offer, reply);
      }
      if (modalId === undefined)
        return reply.private(renderText(':warning: Slack did not let the modal open in time. Click the button again.'));
      const place = { channel: reply.channel, ...(reply.threadTs ? { threadTs: reply.threadTs } : {}) };
      await args.client.views.update({ view_id: modalId, view: pitrModal(offer, place) });
    }),
  );
}

/**
 * The modal submitted. A time that is not a UTC time stays in the modal with the error under the
 * field (Slack's `response_action: errors`, which must be the ack itself), audited, nothing started.
 * Otherwise the core checks the role again and runs pitr-restore with that target in the thread.
 */
export async function onPitrSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const incidentId = String(readMeta(args.view.private_metadata)?.incidentId ?? '');
  const typed = inputValue(args, BlockId.pitrTarget, ActionId.pitrTarget) ?? '';
  const parsed = parseTypedTarget(typed);
  if ('why' in parsed) {
    await args.ack({
      response_action: 'errors',
      errors: { [BlockId.pitrTarget]: `${parsed.why} Nothing was started.` },
    });
    const origin = slackOrigin({ deliveryKey: `view:${args.view.id}:bad-target`, requestId: randomUUID() });
    await ctx.ops
      .auditRefusal(args.body.user.id, `incident:${incidentId.slice(0, 40)}`, 'bad_pitr_target', origin, {
        typed: typed.slice(0, 100),
      })
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'could not audit a malformed PITR target'));
    return;
  }
  await submitToCore(ctx, args, (actor, request) =>
    ctx.ops.restoreToTime(incidentId, parsed.target, actor, request.origin),
  );
}
