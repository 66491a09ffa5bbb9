import type { Json } from './records.js';
import type { SlackChannel, Workspace } from './workspace.js';

/**
 * The bot scope each emulated Web API method needs, from the method pages' "Required scopes"
 * (docs.slack.dev/reference/methods/<method>; machine copy: slack-ruby/slack-api-ref
 * docs.slack.dev/methods/*.json `scope.bot`). `[]` = no scope (auth.test, views.*,
 * chat.getPermalink). The conversations.* methods need the scope of the conversation's type.
 * apps.connections.open takes the app-level token (connections:write), checked by token type.
 */
type ByConversation = Record<'public' | 'private' | 'im' | 'mpim', string>;

const READ: ByConversation = { public: 'channels:read', private: 'groups:read', im: 'im:read', mpim: 'mpim:read' };
const HISTORY: ByConversation = {
  public: 'channels:history',
  private: 'groups:history',
  im: 'im:history',
  mpim: 'mpim:history',
};

export const METHOD_SCOPES: Record<string, readonly string[] | ByConversation> = {
  'auth.test': [],
  'apps.connections.open': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.getPermalink': [],
  'conversations.info': READ,
  'conversations.history': HISTORY,
  'conversations.replies': HISTORY,
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'reactions.add': ['reactions:write'],
  'usergroups.users.list': ['usergroups:read'],
  'users.info': ['users:read'],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
};

/** Scopes deliveries need: slash commands ("commands") and the app_mention event. */
export const DELIVERY_SCOPES = {
  slashCommand: 'commands',
  appMention: 'app_mentions:read',
} as const;

function kindOf(channel: SlackChannel | undefined): keyof ByConversation {
  if (channel === undefined) return 'public';
  if (channel.isIm) return 'im';
  return channel.isPrivate ? 'private' : 'public';
}

/** The scopes `method` needs for these arguments; all of them must be granted. */
export function scopesNeeded(method: string, args: Json, workspace: Workspace): readonly string[] {
  const rule = METHOD_SCOPES[method];
  if (rule === undefined) return [];
  if (Array.isArray(rule)) return rule;
  const ref = typeof args.channel === 'string' ? args.channel : undefined;
  const byType = rule as ByConversation;
  return [byType[kindOf(ref === undefined ? undefined : workspace.channel(ref))]];
}
