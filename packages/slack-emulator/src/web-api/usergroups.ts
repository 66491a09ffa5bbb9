import { required, SlackApiError, type MethodTable } from './context.js';

/**
 * usergroups.users.list (https://api.slack.com/methods/usergroups.users.list): the member ids of one
 * user group (S…). Slack answers `no_such_subteam` for an id it does not know; the method is tier 2.
 * (`include_disabled` is accepted and ignored: the emulation has no disabled groups.)
 */
export const usergroupMethods: MethodTable = {
  'usergroups.users.list': {
    tier: 'tier2',
    token: 'bot',
    handler({ core, args }) {
      const id = required(args, 'usergroup', 'invalid_arguments');
      const group = core.workspace.usergroups.get(id);
      if (!group) throw new SlackApiError('no_such_subteam');
      return { users: [...group.users] };
    },
  },
};
