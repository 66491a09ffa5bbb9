import { parseCommand } from '../../intents/parse.js';
import type { SlackContext } from '../context.js';
import { ActionId, BlockId } from '../ids.js';
import { showAnswer } from '../show-answer.js';
import { guarded } from '../surface-errors.js';
import { renderText } from '../views/help.js';
import { handleIntent } from './intents.js';
import { beginSubmission, inputValue, type ViewArgs } from './view-request.js';

/**
 * A choice from a modal becomes the command it stands for, through the same grammar as typed
 * text: a forged option value is refused exactly like a typo would be.
 */
async function submitAs(
  ctx: SlackContext,
  args: ViewArgs,
  commandOf: (meta: Record<string, unknown>) => string | undefined,
): Promise<void> {
  await args.ack();
  const request = await beginSubmission(ctx, args);
  if (request === undefined) return;
  await guarded(request.reply, request.log, async () => {
    const text = commandOf(request.meta) ?? '';
    const parsed = parseCommand(text, ctx.ops.vocabulary);
    if (!parsed.ok) {
      await ctx.ops.auditRefusal(request.user, 'modal', 'parse_error', request.origin, { text: text.slice(0, 200) });
      return request.reply.private(renderText(parsed.message));
    }
    await showAnswer((await handleIntent(ctx, parsed.intent, request.user, request.origin)).answer, request.reply);
  });
}

export function onRollbackSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const tag = inputValue(args, BlockId.tag, ActionId.tagSelect);
  return submitAs(ctx, args, () => (tag ? `rollback ${tag}` : undefined));
}

/** The picked dump and any tables typed: `restore <file> [<table>…]`, the grammar checks each word. */
export function onRestoreSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const file = inputValue(args, BlockId.dump, ActionId.dumpSelect);
  const tables = (inputValue(args, BlockId.tables, ActionId.tablesInput) ?? '').split(/[\s,]+/).filter((t) => t);
  return submitAs(ctx, args, () => (file ? ['restore', file, ...tables].join(' ') : undefined));
}

export function onServiceSubmit(ctx: SlackContext, args: ViewArgs): Promise<void> {
  const service = inputValue(args, BlockId.service, ActionId.serviceSelect);
  const host = inputValue(args, BlockId.host, ActionId.hostSelect);
  // The line goes through the same grammar as a typed command: an unknown or tampered host is refused there.
  return submitAs(ctx, args, (meta) =>
    service && ['restart', 'start', 'stop'].includes(String(meta.verb))
      ? `${String(meta.verb)} ${service}${host ? ` on ${host}` : ''}`
      : undefined,
  );
}
