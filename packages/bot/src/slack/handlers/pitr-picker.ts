import { randomUUID } from 'node:crypto';
import { parseTypedTarget } from '../../runbooks/pitr-choice.js';
import { slackOrigin, type SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import type { PitrOffer } from '../../operations/pitr-offer.js';
import { pitrModal } from '../views/pitr-modal.js';
import type { ButtonArgs } from './button-request.js';
import { onIncidentModalButton } from './incident-modal.js';
import { inputValue, readMeta, submitToCore, type ViewArgs } from './view-request.js';

const HEADING = 'Point-in-time restore';

/**
 * Point-in-time restore on an incident's parent: the desk checks the role (a refusal is audited),
 * then the modal shows the window read over SSH with the proposed target to edit.
 */
export function onPitrButton(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  return onIncidentModalButton<PitrOffer>(ctx, args, {
    heading: HEADING,
    loading: 'Reading the recoverable window on the database host…',
    ask: (actor, request) => ctx.ops.pitrOffer(request.value, actor, request.origin),
    isOffer: (answer): answer is PitrOffer => answer.type === 'pitr_offer',
    render: (offer, place) => pitrModal(offer, place),
  });
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
