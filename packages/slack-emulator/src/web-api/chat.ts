import { parseJsonArg, readMessageContent } from '../block-kit/message.js';
import { argBool, argString } from '../http/read-request.js';
import { deleteMessage, postEphemeral, postMessage, updateMessage } from '../messaging.js';
import type { Json, MessageRecord } from '../records.js';
import { required, SlackApiError, type EmulatorCore, type MethodContext, type MethodTable } from './context.js';
import { postableChannel, visibleChannel } from './lookup.js';
import { messageJson } from './shapes.js';

/** chat.* (https://api.slack.com/methods/chat.postMessage and siblings). */
function content(args: Json) {
  const read = readMessageContent(args, { requireContent: true });
  if (!read.ok) {
    throw new SlackApiError(read.error, read.messages ? { response_metadata: { messages: read.messages } } : {});
  }
  return read.content;
}

/** A message the bot may change: chat.update/delete only touch the app's own messages. */
function ownMessage(core: EmulatorCore, args: Json, notOwn: string): MessageRecord {
  const channel = visibleChannel(core, args.channel);
  const ts = required(args, 'ts', 'message_not_found');
  const message = core.state.message(channel.id, ts);
  if (!message || message.deleted) throw new SlackApiError('message_not_found');
  if (message.user !== core.workspace.bot.userId) throw new SlackApiError(notOwn);
  return message;
}

function metadataArg(args: Json): unknown {
  if (args.metadata === undefined) return undefined;
  const parsed = parseJsonArg(args.metadata);
  if (!parsed.ok) throw new SlackApiError('invalid_metadata_format');
  return parsed.value;
}

/**
 * A message's permalink as Slack forms it: `https://<domain>.slack.com/archives/<channel>/p<ts
 * without the dot>`, and for a reply `?thread_ts=<parent>&cid=<channel>`
 * (https://api.slack.com/methods/chat.getPermalink).
 */
export function permalinkOf(core: EmulatorCore, message: MessageRecord): string {
  const archives = `https://${core.workspace.team.domain}.slack.com/archives`;
  const base = `${archives}/${message.channel}/p${message.ts.replace('.', '')}`;
  return message.threadTs !== undefined && message.threadTs !== message.ts
    ? `${base}?thread_ts=${message.threadTs}&cid=${message.channel}`
    : base;
}

export const chatMethods: MethodTable = {
  'chat.getPermalink': {
    // "Special" in Slack's table: "hundreds of requests per minute"; tier 4 is the nearest floor.
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const channel = visibleChannel(core, args.channel);
      const ts = required(args, 'message_ts', 'message_not_found');
      const message = core.state.message(channel.id, ts);
      if (!message || message.deleted) throw new SlackApiError('message_not_found');
      return { channel: channel.id, permalink: permalinkOf(core, message) };
    },
  },
  'chat.postMessage': {
    tier: 'tier4', // special tier: the 1/s per-channel bucket is added by the rate limiter
    token: 'bot',
    handler({ core, args }: MethodContext) {
      const channel = postableChannel(core, args.channel);
      const threadTs = argString(args, 'thread_ts');
      const record = postMessage(core, {
        channel: channel.id,
        content: content(args),
        ...(threadTs ? { threadTs } : {}),
        replyBroadcast: argBool(args, 'reply_broadcast'),
        metadata: metadataArg(args),
        via: 'api',
      });
      return { channel: channel.id, ts: record.ts, message: messageJson(core, record) };
    },
  },
  'chat.update': {
    tier: 'tier3',
    token: 'bot',
    handler({ core, args }) {
      const message = ownMessage(core, args, 'cant_update_message');
      updateMessage(core, message, content(args), core.workspace.bot.userId);
      return { channel: message.channel, ts: message.ts, text: message.text, message: messageJson(core, message) };
    },
  },
  'chat.delete': {
    tier: 'tier3',
    token: 'bot',
    handler({ core, args }) {
      const message = ownMessage(core, args, 'cant_delete_message');
      deleteMessage(core, message);
      return { channel: message.channel, ts: message.ts };
    },
  },
  'chat.postEphemeral': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const channel = postableChannel(core, args.channel);
      const userId = required(args, 'user', 'user_not_found');
      if (!core.workspace.users.has(userId)) throw new SlackApiError('user_not_found');
      if (!channel.members.has(userId)) throw new SlackApiError('user_not_in_channel');
      const threadTs = argString(args, 'thread_ts');
      const record = postEphemeral(core, {
        channel: channel.id,
        user: userId,
        content: content(args),
        ...(threadTs ? { threadTs } : {}),
        via: 'api',
      });
      return { message_ts: record.ts };
    },
  },
};
