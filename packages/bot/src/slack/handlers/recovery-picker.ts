import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { loadingModal, noticeModal } from '../views/modals.js';
import { recoveryDumpModal } from '../views/recovery-dump-modal.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { fillingModal } from './modal-first.js';
import { inputValue, submitToCore, type ViewArgs } from './view-request.js';

const HEADING = 'Run recovery';

/**
 * Run recovery on an incident whose runbook restores a dump: a modal opens at once (listing the
 * dumps over SSH outlasts the trigger id's 3 s), then the desk checks the role (a refusal is
 * audited and shown in the modal) and the modal becomes the dump picker.
 */
export async function onRecoveryPickButton(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  const opening = loadingModal(HEADING, 'Listing the dumps on the database host, local and offsite…');
  const request = await beginButton(ctx, args, { modal: opening });
  if (request === undefined) return;
  const { modalId, reply } = request;
  await guarded(reply, request.log, () =>
    fillingModal(args.client, modalId, HEADING, request.log, async () => {
      const actor = await ctx.ops.actorFor(request.user);
      const answer = await ctx.ops.recoveryDumps(request.value, actor, request.origin);
      if (answer.type !== 'choose_dump') {
        if (modalId !== undefined) {
          const said = answer.type === 'denied' ? `:no_entry: ${answer.text}` : 'See the message from recio.';
          await args.client.views.update({ view_id: modalId, view: noticeModal(HEADING, said) });
        }
        return showAnswer(answer, reply);
      }
      if (modalId === undefined)
        return reply.private(
          renderText(':warning: Slack did not let the picker open in time. Click the button again.'),
        );
      const incident = (await ctx.ops.incident(request.value)) ?? { id: request.value, title: 'this incident' };
      const place = { channel: reply.channel, ...(reply.threadTs ? { threadTs: reply.threadTs } : {}) };
      await args.client.views.update({ view_id: modalId, view: recoveryDumpModal(incident, answer, place) });
    }),
  );
}

/**
 * The picker submitted: the core checks the role again and the file against the listing, then
 * runs the recovery as the plain button does, with the picked dump bound to its restore step.
 */
export async function onRecoveryDumpSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  await submitToCore(ctx, args, (actor, request) => {
    const incidentId = String(request.meta.incidentId ?? '');
    const file = inputValue(args, BlockId.dump, ActionId.dumpSelect);
    return ctx.ops.recoverFromDump(incidentId, file, actor, request.origin);
  });
}
