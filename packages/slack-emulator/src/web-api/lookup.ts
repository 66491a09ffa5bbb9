import type { SlackChannel } from '../workspace.js';
import { SlackApiError, type EmulatorCore } from './context.js';

/**
 * A conversation as the bot may see it. Slack hides private conversations the bot is not in:
 * they answer `channel_not_found`, exactly like ids that do not exist.
 */
export function visibleChannel(core: EmulatorCore, ref: unknown): SlackChannel {
  if (typeof ref !== 'string' || ref === '') throw new SlackApiError('channel_not_found');
  const channel = core.workspace.channel(ref);
  if (!channel) throw new SlackApiError('channel_not_found');
  if (channel.isPrivate && !channel.members.has(core.workspace.bot.userId))
    throw new SlackApiError('channel_not_found');
  return channel;
}

/** A conversation the bot may post in: visible, not archived, and joined (`not_in_channel` otherwise). */
export function postableChannel(core: EmulatorCore, ref: unknown): SlackChannel {
  const channel = visibleChannel(core, ref);
  if (channel.isArchived) throw new SlackApiError('is_archived');
  if (!channel.members.has(core.workspace.bot.userId)) throw new SlackApiError('not_in_channel');
  return channel;
}
