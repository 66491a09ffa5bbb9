import { allows } from '../../access/roles.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { loadingModal, noticeModal, rootCauseModal } from '../views/modals.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { fillingModal } from './modal-first.js';

export type IncidentButton = 'acknowledge' | 'resolve' | 'recover' | 'checklist';

/**
 * Acknowledge / Resolve / Run recovery / Open checklist on an incident's parent message. The value
 * is the incident id only; the incident desk checks the role (security incidents: their role
 * holders only), audits refusals, and starts what it starts in the incident's thread — keyed, so
 * a double click lands on the same run.
 */
export async function onIncidentButton(ctx: SlackContext, button: IncidentButton, args: ButtonArgs): Promise<void> {
  const request = await beginButton(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const actor = await ctx.ops.actorFor(request.user);
    const { ops } = ctx;
    const answer =
      button === 'acknowledge'
        ? await ops.acknowledge(request.value, actor, request.origin)
        : button === 'resolve'
          ? await ops.resolveIncident(request.value, actor, request.origin)
          : button === 'recover'
            ? await ops.runRecovery(request.value, actor, request.origin)
            : await ops.openChecklist(request.value, actor, request.origin);
    await showAnswer(answer, request.reply);
  });
}

/**
 * "Root cause & follow-ups" on a resolved incident: a modal for the system_architect, prefilled
 * with what the report has. Anyone else is refused (and audited) without a modal.
 */
export async function onRootCauseButton(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  // The modal opens first (the role lookup may outlast the trigger id's 3 s), then is filled.
  const request = await beginButton(ctx, args, { modal: loadingModal('Root cause', 'Reading the incident…') });
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, 'Root cause', request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const incident = await ctx.ops.incident(request.value);
      if (incident === undefined || !allows(actor.roles, 'root_cause')) {
        // The desk says why (unknown incident, or the role) and audits it.
        const answer = await ctx.ops.setRootCause(request.value, '', '', actor, request.origin);
        if (modalId !== undefined)
          await args.client.views.update({
            view_id: modalId,
            view: noticeModal(
              'Root cause',
              answer.type === 'denied' ? `:no_entry: ${answer.text}` : 'See the message from recio.',
            ),
          });
        return showAnswer(answer, reply);
      }
      if (modalId === undefined)
        return reply.private(renderText(':warning: Slack did not let the form open in time. Click the button again.'));
      const place = { channel: reply.channel, ...(reply.threadTs ? { threadTs: reply.threadTs } : {}) };
      await args.client.views.update({
        view_id: modalId,
        view: rootCauseModal(incident.id, incident.title, incident, place),
      });
    }),
  );
}
