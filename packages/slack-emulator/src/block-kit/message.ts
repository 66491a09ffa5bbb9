import { MessageLimits } from '../limits.js';
import { validateBlocks } from './blocks.js';
import { isObject } from './issues.js';

/**
 * The content part of chat.postMessage / chat.update / chat.postEphemeral / response_url bodies:
 * `text`, `blocks`, `attachments`, as Slack checks them. Returns the parsed content or the error
 * Slack would answer with.
 */
export interface MessageContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

export type ContentResult = { ok: true; content: MessageContent } | { ok: false; error: string; messages?: string[] };

/** Form-encoded calls carry blocks and attachments as JSON strings; JSON calls carry arrays. */
export function parseJsonArg(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    return { ok: false };
  }
}

export function readMessageContent(args: Record<string, unknown>, options: { requireContent: boolean }): ContentResult {
  const content: MessageContent = {};
  if (args.text !== undefined && args.text !== null) {
    content.text = String(args.text);
    if ([...content.text].length > MessageLimits.textMax) return { ok: false, error: 'msg_too_long' };
  }
  if (args.blocks !== undefined && args.blocks !== null && args.blocks !== '') {
    const parsed = parseJsonArg(args.blocks);
    if (!parsed.ok || !Array.isArray(parsed.value)) return { ok: false, error: 'invalid_blocks_format' };
    const messages = validateBlocks(parsed.value, { surface: 'message' });
    if (messages.length > 0) return { ok: false, error: 'invalid_blocks', messages };
    content.blocks = parsed.value;
  }
  if (args.attachments !== undefined && args.attachments !== null && args.attachments !== '') {
    const parsed = parseJsonArg(args.attachments);
    if (!parsed.ok || !Array.isArray(parsed.value) || !parsed.value.every(isObject)) {
      return { ok: false, error: 'invalid_attachments' };
    }
    if (parsed.value.length > MessageLimits.attachmentsMax) return { ok: false, error: 'too_many_attachments' };
    const messages = parsed.value.flatMap((a, i) =>
      a.blocks === undefined
        ? []
        : validateBlocks(a.blocks, { surface: 'message', pointer: `/attachments/${i}/blocks` }),
    );
    if (messages.length > 0) return { ok: false, error: 'invalid_blocks', messages };
    content.attachments = parsed.value;
  }
  const empty = !content.text && !content.blocks?.length && !content.attachments?.length;
  if (options.requireContent && empty) return { ok: false, error: 'no_text' };
  return { ok: true, content };
}
