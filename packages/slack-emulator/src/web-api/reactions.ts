import { required, SlackApiError, type MethodTable } from './context.js';
import { visibleChannel } from './lookup.js';

/** reactions.add (https://api.slack.com/methods/reactions.add): emoji names without colons. */
const EMOJI_NAME = /^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/;

export const reactionMethods: MethodTable = {
  'reactions.add': {
    tier: 'tier3',
    token: 'bot',
    handler({ core, args }) {
      const channel = visibleChannel(core, args.channel);
      const ts = required(args, 'timestamp', 'no_item_specified');
      const name = required(args, 'name', 'invalid_name');
      if (!EMOJI_NAME.test(name)) throw new SlackApiError('invalid_name');
      const message = core.state.message(channel.id, ts);
      if (!message || message.deleted) throw new SlackApiError('message_not_found');
      const bot = core.workspace.bot.userId;
      let reaction = message.reactions.find((r) => r.name === name);
      if (reaction?.users.includes(bot)) throw new SlackApiError('already_reacted');
      if (!reaction) {
        reaction = { name, users: [] };
        message.reactions.push(reaction);
      }
      reaction.users.push(bot);
      core.state.emit({ type: 'reaction_added', message, name, user: bot });
      return {};
    },
  },
};
