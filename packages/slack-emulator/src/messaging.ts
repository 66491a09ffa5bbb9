import type { MessageContent } from './block-kit/message.js';
import type { IdSource } from './ids.js';
import type { EphemeralRecord, MessageOrigin, MessageRecord } from './records.js';
import type { EmulatorCore } from './web-api/context.js';

/**
 * Changes to conversations, shared by the Web API methods, response_url POSTs and ack bodies —
 * Slack shows a message the same way whichever door it came in through.
 */
/**
 * Slack gives every stored block a block_id, generating one when the app left it out; interaction
 * payloads then name that id. Copies the blocks, never touching the caller's objects.
 */
export function withBlockIds(blocks: unknown[], ids: IdSource): unknown[] {
  return blocks.map((b) =>
    typeof b === 'object' && b !== null && !('block_id' in b) ? { ...b, block_id: ids.secret(3) } : b,
  );
}

function stored(content: MessageContent, ids: IdSource): MessageContent {
  return content.blocks ? { ...content, blocks: withBlockIds(content.blocks, ids) } : content;
}

export interface PostInput {
  channel: string;
  /** Author; defaults to the bot user (with bot_id/app_id). */
  user?: string;
  content: MessageContent;
  threadTs?: string;
  replyBroadcast?: boolean;
  metadata?: unknown;
  files?: string[];
  via: MessageOrigin;
}

export function postMessage(core: EmulatorCore, input: PostInput): MessageRecord {
  const { workspace, state, ids } = core;
  const user = input.user ?? workspace.bot.userId;
  const fromBot = user === workspace.bot.userId;
  // "Avoid using a reply's ts value; use its parent instead" — Slack files a reply-to-a-reply in the parent's thread.
  const parent = input.threadTs === undefined ? undefined : state.message(input.channel, input.threadTs);
  const threadTs = parent?.threadTs ?? input.threadTs;
  // Slack answers ok with a ts for a thread_ts that names no message, and the reply is seen
  // nowhere (node-slack-sdk#780, python-slack-sdk#840).
  const orphan = input.threadTs !== undefined && (parent === undefined || parent.deleted);
  const content = stored(input.content, ids);
  const record: MessageRecord = {
    channel: input.channel,
    ts: ids.messageTs(),
    user,
    text: content.text ?? '',
    ...(content.blocks ? { blocks: content.blocks } : {}),
    ...(content.attachments ? { attachments: content.attachments } : {}),
    ...(fromBot ? { botId: workspace.bot.botId, appId: workspace.appId } : {}),
    ...(threadTs !== undefined ? { threadTs } : {}),
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    ...(input.files ? { files: input.files } : {}),
    replyBroadcast: input.replyBroadcast ?? false,
    deleted: false,
    reactions: [],
    history: [],
    via: input.via,
    ...(orphan ? { unseen: `thread_ts ${input.threadTs} names no message in ${input.channel}` } : {}),
  };
  state.messages.push(record);
  state.emit({ type: 'message', message: record });
  return record;
}

/**
 * Replace a message's content. Slack keeps what the update leaves out: "If you don't include
 * [blocks], the message's previous blocks will be retained" (same for attachments).
 */
export function updateMessage(
  core: EmulatorCore,
  record: MessageRecord,
  update: MessageContent,
  editor: string,
): MessageRecord {
  const content = stored(update, core.ids);
  record.history.push({
    text: record.text,
    ...(record.blocks ? { blocks: record.blocks } : {}),
    ...(record.attachments ? { attachments: record.attachments } : {}),
  });
  if (content.text !== undefined) record.text = content.text;
  if (content.blocks !== undefined) {
    if (content.blocks.length === 0) delete record.blocks;
    else record.blocks = content.blocks;
  }
  if (content.attachments !== undefined) {
    if (content.attachments.length === 0) delete record.attachments;
    else record.attachments = content.attachments;
  }
  record.edited = { user: editor, ts: core.ids.messageTs() };
  core.state.emit({ type: 'message_changed', message: record });
  return record;
}

export function deleteMessage(core: EmulatorCore, record: MessageRecord): void {
  record.deleted = true;
  core.state.emit({ type: 'message_deleted', message: record });
}

export interface EphemeralInput {
  channel: string;
  user: string;
  content: MessageContent;
  threadTs?: string;
  via: MessageOrigin;
}

/**
 * chat.postEphemeral `thread_ts`: "Ephemeral messages in threads are only shown if there is
 * already an active thread" (docs.slack.dev/reference/methods/chat.postEphemeral). A thread is
 * active once its parent has a reply; an ephemeral aimed anywhere else is accepted and never seen.
 */
function inactiveThread(core: EmulatorCore, channel: string, threadTs: string | undefined): string | undefined {
  if (threadTs === undefined) return undefined;
  const parent = core.state.message(channel, threadTs);
  if (parent === undefined || parent.deleted) return `thread_ts ${threadTs} names no message in ${channel}`;
  const root = parent.threadTs ?? parent.ts;
  if (core.state.repliesTo(channel, root).length === 0)
    return `thread_ts ${threadTs} has no replies yet: ephemerals in threads are only shown in an active thread`;
  return undefined;
}

export function postEphemeral(core: EmulatorCore, input: EphemeralInput): EphemeralRecord {
  const unseen = inactiveThread(core, input.channel, input.threadTs);
  const content = stored(input.content, core.ids);
  const record: EphemeralRecord = {
    channel: input.channel,
    user: input.user,
    ts: core.ids.messageTs(),
    text: content.text ?? '',
    ...(content.blocks ? { blocks: content.blocks } : {}),
    ...(content.attachments ? { attachments: content.attachments } : {}),
    ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
    deleted: false,
    history: [],
    via: input.via,
    ...(unseen ? { unseen } : {}),
  };
  core.state.ephemerals.push(record);
  core.state.emit({ type: 'ephemeral', ephemeral: record });
  return record;
}

/** response_url `replace_original` on an ephemeral message: only the viewer's copy changes. */
export function replaceEphemeral(core: EmulatorCore, record: EphemeralRecord, replacement: MessageContent): void {
  const content = stored(replacement, core.ids);
  record.history.push({ text: record.text, ...(record.blocks ? { blocks: record.blocks } : {}) });
  record.text = content.text ?? '';
  if (content.blocks) record.blocks = content.blocks;
  else delete record.blocks;
  core.state.emit({ type: 'ephemeral_changed', ephemeral: record });
}

export function deleteEphemeral(core: EmulatorCore, record: EphemeralRecord): void {
  record.deleted = true;
  core.state.emit({ type: 'ephemeral_changed', ephemeral: record });
}
