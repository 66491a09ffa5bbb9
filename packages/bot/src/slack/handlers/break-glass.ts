import type { Answer } from '../../operations/types.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { breakGlassModal, reviewBreakGlassModal } from '../views/break-glass.js';
import { renderText } from '../views/help.js';
import { loadingModal, noticeModal } from '../views/modals.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { fillingModal } from './modal-first.js';

const HEADING = 'Break glass';
const REVIEW = 'Review break-glass';

function noticeOf(answer: Answer): string {
  if (answer.type === 'denied') return `:no_entry: ${answer.text}`;
  return answer.type === 'text' ? answer.text : 'Done: see the message from recio.';
}

/**
 * "Break glass…" on an approval message. The button only carries the approval id and proves
 * nothing: the core checks the role, that the clicker asked for the step, that it still waits and
 * that the wait is over (refusals audited) before the modal asks for the reason and the target.
 * The modal opens as a loading view right after the ack (a trigger id lives 3 s).
 */
export async function onBreakGlassClick(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args, {
    modal: loadingModal(HEADING, 'Checking the approval and your role…'),
  });
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, HEADING, request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const form = await ctx.ops.breakGlassForm(request.value, actor, request.origin);
      if (form.type !== 'form') {
        if (modalId !== undefined)
          await args.client.views.update({ view_id: modalId, view: noticeModal(HEADING, noticeOf(form)) });
        return showAnswer(form, reply);
      }
      if (modalId === undefined)
        return reply.private(
          renderText(':warning: Slack did not let the form open in time. Click *Break glass* again.'),
        );
      const { step, expected, kind } = form.target;
      const place = { channel: reply.channel, ...(reply.threadTs ? { threadTs: reply.threadTs } : {}) };
      const view = breakGlassModal({
        approvalId: request.value,
        place,
        stepTitle: step.title,
        action: step.action,
        host: step.host,
        expected,
        targetKind: kind,
      });
      await args.client.views.update({ view_id: modalId, view });
    }),
  );
}

/** "Review" on a break-glass message or in the App Home: the note's modal, or why not (audited). */
export async function onReviewBreakGlassClick(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args, {
    modal: loadingModal(REVIEW, 'Checking the break-glass and your role…'),
  });
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, REVIEW, request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const form = await ctx.ops.breakGlassReviewForm(request.value, actor, request.origin);
      if (form.type !== 'form') {
        if (modalId !== undefined)
          await args.client.views.update({ view_id: modalId, view: noticeModal(REVIEW, noticeOf(form)) });
        return showAnswer(form, reply);
      }
      if (modalId === undefined)
        return reply.private(renderText(':warning: Slack did not let the form open in time. Click *Review* again.'));
      const home = args.body.view?.type === 'home';
      const place = {
        channel: reply.channel,
        ...(reply.threadTs ? { threadTs: reply.threadTs } : {}),
        ...(home ? { home } : {}),
      };
      await args.client.views.update({
        view_id: modalId,
        view: reviewBreakGlassModal(form.breakGlass, form.stepTitle, place),
      });
    }),
  );
}
