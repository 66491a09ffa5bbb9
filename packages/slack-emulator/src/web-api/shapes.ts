import type { EmulatorCore } from './context.js';
import type { FileRecord, Json, MessageRecord, ViewRecord } from '../records.js';
import type { SlackChannel, SlackUser } from '../workspace.js';

/** The JSON Slack returns for the objects the emulation keeps. */
export function messageJson(core: EmulatorCore, m: MessageRecord): Json {
  const { workspace, state } = core;
  const out: Json = { type: 'message', text: m.text, user: m.user, ts: m.ts, team: workspace.team.id };
  if (m.botId) {
    out.bot_id = m.botId;
    out.app_id = m.appId;
    out.bot_profile = {
      id: m.botId,
      app_id: m.appId,
      name: workspace.bot.name,
      deleted: false,
      team_id: workspace.team.id,
    };
  }
  if (m.blocks) out.blocks = m.blocks;
  if (m.attachments) out.attachments = m.attachments;
  if (m.metadata !== undefined) out.metadata = m.metadata;
  if (m.edited) out.edited = m.edited;
  if (m.reactions.length > 0)
    out.reactions = m.reactions.map((r) => ({ name: r.name, users: r.users, count: r.users.length }));
  if (m.files)
    out.files = m.files
      .map((id) => state.file(id))
      .filter((f) => f !== undefined)
      .map((f) => fileJson(core, f));
  if (m.threadTs !== undefined && m.threadTs !== m.ts) {
    out.thread_ts = m.threadTs;
    out.parent_user_id = state.message(m.channel, m.threadTs)?.user;
    if (m.replyBroadcast) out.subtype = 'thread_broadcast';
  }
  const replies = state.repliesTo(m.channel, m.ts);
  if (m.threadTs === undefined && replies.length > 0) {
    const users = [...new Set(replies.map((r) => r.user))];
    Object.assign(out, {
      thread_ts: m.ts,
      reply_count: replies.length,
      reply_users_count: users.length,
      reply_users: users,
      latest_reply: replies[replies.length - 1]?.ts,
      is_locked: false,
      subscribed: false,
    });
  }
  return out;
}

export function userJson(core: EmulatorCore, u: SlackUser): Json {
  const team = core.workspace.team.id;
  return {
    id: u.id,
    team_id: team,
    name: u.name,
    deleted: false,
    real_name: u.realName,
    tz: u.tz,
    is_admin: u.isAdmin,
    is_owner: false,
    is_bot: u.isBot,
    is_app_user: false,
    updated: 1700000000,
    profile: {
      real_name: u.realName,
      display_name: u.name,
      team,
      ...(u.isBot ? { bot_id: core.workspace.bot.botId } : {}),
    },
  };
}

export function channelJson(core: EmulatorCore, c: SlackChannel): Json {
  const base: Json = {
    id: c.id,
    created: c.created,
    is_archived: c.isArchived,
    is_org_shared: false,
    context_team_id: core.workspace.team.id,
  };
  if (c.isIm) return { ...base, is_im: true, user: c.imUser, is_user_deleted: false };
  return {
    ...base,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.isPrivate,
    is_general: false,
    is_shared: false,
    is_ext_shared: false,
    is_member: c.members.has(core.workspace.bot.userId),
    name_normalized: c.name,
    creator: core.workspace.bot.userId,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

export function fileJson(core: EmulatorCore, f: FileRecord): Json {
  const base = core.baseUrl();
  return {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.filename,
    title: f.title ?? f.filename,
    mimetype: 'text/plain',
    filetype: f.snippetType ?? 'text',
    user: f.user,
    size: f.content?.length ?? f.declaredLength,
    is_public: f.channels.some((c) => !core.workspace.channels.get(c)?.isPrivate),
    channels: f.channels,
    url_private: `${base}/files/${f.id}/${encodeURIComponent(f.filename)}`,
    permalink: `${base}/files/${f.id}`,
    ...(f.altText ? { alt_txt: f.altText } : {}),
  };
}

export function viewJson(core: EmulatorCore, v: ViewRecord): Json {
  const { workspace } = core;
  const def = v.view;
  return {
    id: v.id,
    team_id: workspace.team.id,
    type: v.type,
    blocks: def.blocks ?? [],
    private_metadata: def.private_metadata ?? '',
    callback_id: def.callback_id ?? '',
    state: v.state,
    hash: v.hash,
    title: def.title,
    clear_on_close: def.clear_on_close ?? false,
    notify_on_close: def.notify_on_close ?? false,
    close: def.close ?? null,
    submit: def.submit ?? null,
    previous_view_id: v.previousViewId ?? null,
    root_view_id: v.rootViewId,
    app_id: workspace.appId,
    external_id: v.externalId ?? '',
    app_installed_team_id: workspace.team.id,
    bot_id: workspace.bot.botId,
  };
}
