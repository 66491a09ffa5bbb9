import type { WebClient } from '@slack/web-api';
import type { Logger } from '../observability/logger.js';
import type { Attachment } from './views/tail.js';
import type { Block } from './views/kit.js';

export interface SlackMessage {
  text: string;
  blocks?: Block[];
}

/**
 * Where a handler's answers go. A slash command or a click answers the person privately
 * (response_url, else chat.postEphemeral); an @-mention answers in its thread, for everyone there.
 */
export interface Reply {
  readonly channel: string;
  readonly threadTs: string | undefined;
  readonly user: string;
  /** Set when the answers go to the App Home (its runs are told in `channel`). */
  readonly surface?: 'home';
  /** The request's own place: private for commands and clicks, the thread for mentions. */
  answer(message: SlackMessage): Promise<void>;
  /** Only this person sees it, whatever the surface (refusals, errors). */
  private(message: SlackMessage): Promise<void>;
  /** A file in the conversation (and thread) the request came from. */
  upload(file: Attachment): Promise<void>;
}

export type RespondFn = (message: {
  response_type: 'ephemeral';
  text: string;
  blocks?: Block[];
  replace_original: false;
}) => Promise<unknown>;

export interface ReplyInput {
  client: WebClient;
  logger: Logger;
  channel: string;
  user: string;
  threadTs?: string | undefined;
  /**
   * The thread private answers go in, when it differs from `threadTs`: it must already have
   * replies, or Slack never shows the ephemeral. Default: `threadTs`.
   */
  privateThreadTs?: string | undefined;
  /** Bolt's respond(), bound to the delivery's response_url (commands and clicks have one). */
  respond?: RespondFn | undefined;
  /** `thread`: answers are posted in the thread for everyone (mentions). */
  mode: 'private' | 'thread';
}

export function createReply(input: ReplyInput): Reply {
  const { client, channel, user, threadTs, respond } = input;
  const privateThreadTs = 'privateThreadTs' in input ? input.privateThreadTs : threadTs;
  const postEphemeral = (m: SlackMessage) =>
    client.chat.postEphemeral({
      channel,
      user,
      text: m.text,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(privateThreadTs ? { thread_ts: privateThreadTs } : {}),
    });
  const privately = async (m: SlackMessage): Promise<void> => {
    if (respond) {
      // response_url reaches the person even where the bot is not a member; it allows 5 uses,
      // so when it refuses (used up, expired) the Web API is the way left.
      try {
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
        });
        return;
      } catch (error) {
        input.logger.warn({ err: error }, 'response_url refused the answer; trying chat.postEphemeral');
      }
    }
    await postEphemeral(m);
  };
  return {
    channel,
    threadTs,
    user,
    private: privately,
    async answer(m) {
      if (input.mode === 'private') return privately(m);
      await client.chat.postMessage({
        channel,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    },
    async upload(file) {
      const upload = { channel_id: channel, filename: file.filename, title: file.title, content: file.content };
      await client.filesUploadV2(threadTs ? { ...upload, thread_ts: threadTs } : upload);
    },
  };
}
