import { required, SlackApiError, type MethodTable } from './context.js';
import { userJson } from './shapes.js';

/** auth.test, users.info and apps.connections.open (the one method that takes the xapp- token). */
export function authUserMethods(openSocketUrl: () => string): MethodTable {
  return {
    'auth.test': {
      tier: 'tier4',
      token: 'bot',
      handler({ core }) {
        const { team, bot } = core.workspace;
        return {
          url: `https://${team.domain}.slack.com/`,
          team: team.name,
          user: bot.name,
          team_id: team.id,
          user_id: bot.userId,
          bot_id: bot.botId,
          is_enterprise_install: false,
        };
      },
    },
    'users.info': {
      tier: 'tier4',
      token: 'bot',
      handler({ core, args }) {
        const user = core.workspace.users.get(required(args, 'user', 'user_not_found'));
        if (!user) throw new SlackApiError('user_not_found');
        return { user: userJson(core, user) };
      },
    },
    'apps.connections.open': {
      tier: 'tier1',
      token: 'app',
      handler() {
        return { url: openSocketUrl() };
      },
    },
  };
}
