import type { Reply, SlackMessage } from '../reply.js';
import type { HomeTabs } from './home-tabs.js';

/**
 * Where the answer to a click in the App Home goes: the top of that person's Home. A Home click
 * has no channel and no response_url, and a DM would land in a Messages tab the app keeps off;
 * what the click started is told where it runs (`channel`, the ops channel), like any run.
 */
export function createHomeReply(homes: HomeTabs, input: { user: string; channel: string }): Reply {
  const tell = (message: SlackMessage) => homes.tell(input.user, message.text);
  return {
    channel: input.channel,
    threadTs: undefined,
    user: input.user,
    surface: 'home',
    answer: tell,
    private: tell,
    upload: (file) =>
      homes.tell(input.user, `The file \`${file.filename}\` cannot be shown in the Home: ask for it in the channel.`),
  };
}
