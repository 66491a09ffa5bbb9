import type { WebClient } from '@slack/web-api';
import type { OutboxMessage, Store } from '../store/index.js';
import type { Rendered } from './publisher-render.js';

/**
 * What became of one send: Slack's ts; `wait` — the post it depends on is still pending; `gone` —
 * that post failed for good, so there is nothing to change.
 */
export type SendOutcome =
  | { status: 'sent'; ts: string | null }
  | { status: 'wait'; why: string }
  | { status: 'gone'; why: string };

function content(rendered: Rendered, textOnly: boolean): { text: string; blocks?: Rendered['blocks'] } {
  return textOnly || rendered.blocks === undefined
    ? { text: rendered.text }
    : { text: rendered.text, blocks: rendered.blocks };
}

/**
 * One outbox row to Slack. A reply or a file waits for its thread's parent to be posted (its ts is
 * the thread); an update waits for the post it changes. If that post failed for good, a reply goes
 * top-level rather than nowhere, and an update has nothing to change.
 */
export async function sendOutbox(
  client: WebClient,
  store: Store,
  message: OutboxMessage,
  rendered: Rendered,
  textOnly = false,
): Promise<SendOutcome> {
  const body = content(rendered, textOnly);
  switch (message.kind) {
    case 'post': {
      const thread = await threadOf(store, message);
      if ('wait' in thread) return { status: 'wait', why: thread.wait };
      const posted = await client.chat.postMessage({
        channel: message.channel,
        ...body,
        ...(thread.ts ? { thread_ts: thread.ts } : {}),
      });
      return { status: 'sent', ts: posted.ts ?? null };
    }
    case 'update':
    case 'delete': {
      if (message.targetTs === null) {
        const target = message.updateOf === null ? undefined : await store.outbox.getByDedupeKey(message.updateOf);
        if (target?.state === 'pending')
          return { status: 'wait', why: `the message it changes (${message.updateOf}) is not posted yet` };
        return { status: 'gone', why: `the message it changes (${message.updateOf}) was never posted` };
      }
      if (message.kind === 'delete') await client.chat.delete({ channel: message.channel, ts: message.targetTs });
      else
        await client.chat.update({
          channel: message.channel,
          ts: message.targetTs,
          ...body,
          ...(body.blocks ? {} : { blocks: [] }),
        });
      return { status: 'sent', ts: message.targetTs };
    }
    case 'ephemeral': {
      const posted = await client.chat.postEphemeral({
        channel: message.channel,
        user: message.userId ?? '',
        ...body,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      });
      return { status: 'sent', ts: posted.message_ts ?? null };
    }
    case 'upload': {
      const thread = await threadOf(store, message);
      if ('wait' in thread) return { status: 'wait', why: thread.wait };
      const payload = message.payload as { text: string; filename?: string; content?: string; title?: string };
      const file = rendered.file ?? {
        filename: payload.filename ?? 'recio.txt',
        title: payload.title ?? payload.filename ?? 'recio',
        content: payload.content ?? payload.text,
      };
      const picture = pictureOf(message.payload.picture);
      // A report's timeline picture is shared with it, in one message: the two files side by side.
      const upload =
        picture === undefined
          ? { channel_id: message.channel, ...file }
          : { channel_id: message.channel, file_uploads: [file, picture] };
      await client.filesUploadV2(thread.ts ? { ...upload, thread_ts: thread.ts } : upload);
      return { status: 'sent', ts: null };
    }
  }
}

/**
 * The thread a post or a file goes into: given, or the ts of the post named by `threadOf` — which
 * must be sent first. If that post failed for good, the row goes top-level rather than nowhere.
 */
async function threadOf(store: Store, message: OutboxMessage): Promise<{ ts: string | null } | { wait: string }> {
  if (message.threadTs !== null || message.threadOf === null) return { ts: message.threadTs };
  const parent = await store.outbox.getByDedupeKey(message.threadOf);
  if (parent?.state === 'pending') return { wait: `its thread (${message.threadOf}) is not posted yet` };
  return { ts: parent?.slackTs ?? null };
}

/** The outbox carries a picture's bytes as base64 (its payload is JSON); Slack gets them raw. */
function pictureOf(value: unknown): { file: Buffer; filename: string; title: string; alt_text: string } | undefined {
  const picture = value as { filename?: unknown; title?: unknown; altText?: unknown; base64?: unknown } | undefined;
  if (typeof picture?.base64 !== 'string' || typeof picture.filename !== 'string') return undefined;
  return {
    file: Buffer.from(picture.base64, 'base64'),
    filename: picture.filename,
    title: typeof picture.title === 'string' ? picture.title : picture.filename,
    alt_text: typeof picture.altText === 'string' ? picture.altText : picture.filename,
  };
}
