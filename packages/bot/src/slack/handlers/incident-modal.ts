import type { ModalView } from '@slack/types';
import type { Actor } from '../../domain/index.js';
import type { Answer } from '../../operations/types.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { loadingModal, noticeModal, type ReplyPlace } from '../views/modals.js';
import { beginButton, type ButtonArgs, type ButtonRequest } from './button-request.js';
import { fillingModal } from './modal-first.js';

export interface IncidentModalSpec<Offer> {
  heading: string;
  /** What the loading modal says while the host is asked. */
  loading: string;
  /** The core's answer for this person and incident: what the modal shows, or a refusal (audited there). */
  ask: (actor: Actor, request: ButtonRequest) => Promise<Offer | Answer>;
  isOffer: (answer: Offer | Answer) => answer is Offer;
  render: (offer: Offer, place: ReplyPlace, request: ButtonRequest) => Promise<ModalView> | ModalView;
}

/**
 * A button on an incident's parent that opens a modal filled from a host (Run recovery's dump
 * picker, point-in-time restore): the modal opens at once, since asking the host outlasts the
 * trigger id's 3 s; then the core answers for this person. A refusal replaces the loading view and
 * is told privately; an offer becomes the modal.
 */
export async function onIncidentModalButton<Offer>(
  ctx: SlackContext,
  args: ButtonArgs,
  spec: IncidentModalSpec<Offer>,
): Promise<void> {
  const request = await beginButton(ctx, args, { modal: loadingModal(spec.heading, spec.loading) });
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, spec.heading, request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const answer = await spec.ask(actor, request);
      if (!spec.isOffer(answer)) {
        const refused = answer as Answer;
        if (modalId !== undefined) {
          const said = refused.type === 'denied' ? `:no_entry: ${refused.text}` : 'See the message from recio.';
          await args.client.views.update({ view_id: modalId, view: noticeModal(spec.heading, said) });
        }
        return showAnswer(refused, reply);
      }
      if (modalId === undefined)
        return reply.private(renderText(':warning: Slack did not let the form open in time. Click the button again.'));
      const place = { channel: reply.channel, ...(reply.threadTs ? { threadTs: reply.threadTs } : {}) };
      await args.client.views.update({ view_id: modalId, view: await spec.render(answer, place, request) });
    }),
  );
}
