import type { Intent } from '../../intents/intent.js';
import type { SlackContext } from '../context.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { serviceModal } from '../views/modals.js';
import { beginButton, type ButtonArgs } from './button-request.js';
import { handleIntent } from './intents.js';

export type HomeButton = 'checklist' | 'backup' | 'restart';

const INTENT: Record<Exclude<HomeButton, 'restart'>, Intent> = {
  checklist: { kind: 'checklist' },
  backup: { kind: 'backup_now' },
};

/**
 * The App Home's own buttons: Open checklist and Back up now become the intents they stand for
 * (the core checks the role again and audits a refusal — a button shown is not a permission);
 * Restart a service… opens the same service picker as `/recio restart`, whose submission is
 * checked like typed text. Runs are told in the ops channel; the answer goes to the Home.
 */
export async function onHomeButton(ctx: SlackContext, which: HomeButton, args: ButtonArgs): Promise<void> {
  // The picker needs nothing slow, so it opens straight after the ack, within the trigger's 3 s.
  const place = { channel: ctx.ops.opsChannel ?? args.body.user.id, home: true };
  const modal =
    which === 'restart' ? serviceModal('restart', ctx.ops.vocabulary.services, place, ctx.ops.appHosts()) : undefined;
  const request = await beginButton(ctx, args, modal ? { modal } : {});
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    if (which === 'restart') {
      if (request.modalId === undefined)
        await request.reply.private(renderText(':warning: Slack did not let the picker open in time. Click again.'));
      return;
    }
    const { answer } = await handleIntent(ctx, INTENT[which], request.user, request.origin);
    await showAnswer(answer, request.reply);
  });
}
