import type { Answer } from '../../operations/types.js';
import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { recoveryDumpModal } from '../views/recovery-dump-modal.js';
import type { ButtonArgs } from './button-request.js';
import { onIncidentModalButton } from './incident-modal.js';
import { inputValue, submitToCore, type ViewArgs } from './view-request.js';

type DumpList = Extract<Answer, { type: 'choose_dump' }>;

/**
 * Run recovery on an incident whose runbook restores a dump: the desk checks the role (a refusal
 * is audited), then the modal becomes the dump picker, listed over SSH.
 */
export function onRecoveryPickButton(ctx: SlackContext, args: ButtonArgs): Promise<void> {
  return onIncidentModalButton<DumpList>(ctx, args, {
    heading: 'Run recovery',
    loading: 'Listing the dumps on the database host, local and offsite…',
    ask: (actor, request) => ctx.ops.recoveryDumps(request.value, actor, request.origin),
    isOffer: (answer): answer is DumpList => answer.type === 'choose_dump',
    render: async (dumps, place, request) => {
      const incident = (await ctx.ops.incident(request.value)) ?? { id: request.value, title: 'this incident' };
      return recoveryDumpModal(incident, dumps, place);
    },
  });
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
