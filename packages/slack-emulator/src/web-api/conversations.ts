import { argBool, argString } from '../http/read-request.js';
import { compareTs } from '../ids.js';
import type { Json, MessageRecord } from '../records.js';
import { required, SlackApiError, type EmulatorCore, type MethodTable } from './context.js';
import { visibleChannel } from './lookup.js';
import { channelJson, messageJson } from './shapes.js';

/**
 * conversations.info / replies / history. Both listings page with an opaque cursor in
 * `response_metadata.next_cursor` ("" on the last page), as Slack's cursor pagination does.
 */
function window(args: Json, messages: MessageRecord[]): MessageRecord[] {
  const oldest = argString(args, 'oldest');
  const latest = argString(args, 'latest');
  const inclusive = argBool(args, 'inclusive');
  return messages.filter((m) => {
    if (oldest !== undefined) {
      const c = compareTs(m.ts, oldest);
      if (c < 0 || (c === 0 && !inclusive)) return false;
    }
    if (latest !== undefined) {
      const c = compareTs(m.ts, latest);
      if (c > 0 || (c === 0 && !inclusive)) return false;
    }
    return true;
  });
}

function page(core: EmulatorCore, args: Json, items: MessageRecord[], defaultLimit: number): Json {
  const limit = Math.min(Math.max(Number(argString(args, 'limit') ?? defaultLimit) || defaultLimit, 1), 999);
  const cursor = argString(args, 'cursor');
  let start = 0;
  if (cursor !== undefined) {
    start = Number(
      Buffer.from(cursor, 'base64')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(start) || start < 0) throw new SlackApiError('invalid_cursor');
  }
  const slice = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return {
    messages: slice.map((m) => messageJson(core, m)),
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '' },
  };
}

export const conversationMethods: MethodTable = {
  'conversations.info': {
    tier: 'tier3',
    token: 'bot',
    handler({ core, args }) {
      return { channel: channelJson(core, visibleChannel(core, args.channel)) };
    },
  },
  'conversations.replies': {
    tier: 'tier3',
    token: 'bot',
    handler({ core, args }) {
      const channel = visibleChannel(core, args.channel);
      const ts = required(args, 'ts', 'thread_not_found');
      const thread = core.state.thread(channel.id, ts);
      if (thread.length === 0) throw new SlackApiError('thread_not_found');
      return page(core, args, window(args, thread), 1000);
    },
  },
  'conversations.history': {
    tier: 'tier3',
    token: 'bot',
    handler({ core, args }) {
      const channel = visibleChannel(core, args.channel);
      const newestFirst = core.state.messagesIn(channel.id, { topLevelOnly: true }).reverse();
      return page(core, args, window(args, newestFirst), 100);
    },
  },
};
