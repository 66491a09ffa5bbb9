import type {
  EphemeralRecord,
  FileRecord,
  MessageRecord,
  SlackEmulator,
  ViewRecord,
} from '@recio/slack-emulator/index';
import type { ConsoleModeInfo } from './mode.js';

/**
 * What one user sees of the workspace, as the page renders it: the conversations they are in, the
 * messages there (with thread summaries), the ephemeral messages meant for them only, and their
 * open modal. Built per request and per user, so an ephemeral never reaches anyone else's page.
 */
export interface SnapshotContext {
  emulator: SlackEmulator;
  mode: ConsoleModeInfo;
  opsChannel: string | undefined;
  roles: ReadonlyMap<string, string>;
  commands: readonly string[];
}

type Json = Record<string, unknown>;

/** Text files shown inline are cut here; the whole file stays downloadable. */
const PREVIEW_CHARS = 20_000;
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};
const TEXT_EXTENSIONS = new Set(['txt', 'log', 'md', 'json', 'yml', 'yaml', 'csv', 'sql', 'sh']);

export function extensionOf(filename: string): string {
  return filename.includes('.') ? (filename.split('.').pop() ?? '').toLowerCase() : '';
}

/** The bot's name for an incident report's timeline picture (`incident-<8 hex>-timeline.png`). */
const TIMELINE_PICTURE = /^incident-([0-9a-f]{8})-timeline\.png$/;

/** Where the console serves an incident's timeline picture (routes.ts). */
export const timelinePicturePath = (incident: string) => `/console/incidents/${incident}/timeline.png`;

/** The newest shared timeline picture of an incident (its id's first 8 characters), if any. */
export function timelinePictureOf(emulator: SlackEmulator, incident: string): FileRecord | undefined {
  return emulator.state.files
    .filter((f) => f.completed && f.content && TIMELINE_PICTURE.exec(f.filename)?.[1] === incident)
    .at(-1);
}

/** An incident's parent: the thread that holds its timeline picture links to the picture. */
function timelineLinkOf(ctx: SnapshotContext, replies: MessageRecord[]): string | undefined {
  for (const reply of replies) {
    for (const id of reply.files ?? []) {
      const incident = TIMELINE_PICTURE.exec(ctx.emulator.state.file(id)?.filename ?? '')?.[1];
      if (incident) return timelinePicturePath(incident);
    }
  }
  return undefined;
}

/** The image MIME type a file may be served as, or undefined (served as a download). */
export function imageTypeOf(file: FileRecord): string | undefined {
  return IMAGE_TYPES[extensionOf(file.filename)];
}

function fileJson(file: FileRecord): Json {
  const isText = file.snippetType !== undefined || TEXT_EXTENSIONS.has(extensionOf(file.filename));
  return {
    id: file.id,
    name: file.filename,
    title: file.title ?? file.filename,
    size: file.content?.length ?? file.declaredLength,
    isImage: imageTypeOf(file) !== undefined,
    ...(file.altText ? { altText: file.altText } : {}),
    ...(isText && file.content
      ? {
          preview: file.content.toString('utf8').slice(0, PREVIEW_CHARS),
          truncated: file.content.length > PREVIEW_CHARS,
        }
      : {}),
  };
}

function messageJson(ctx: SnapshotContext, m: MessageRecord, repliesByParent: Map<string, MessageRecord[]>): Json {
  const { state } = ctx.emulator;
  const isReply = m.threadTs !== undefined && m.threadTs !== m.ts;
  const replies = isReply ? [] : (repliesByParent.get(`${m.channel}/${m.ts}`) ?? []);
  const timeline = timelineLinkOf(ctx, replies);
  return {
    channel: m.channel,
    ts: m.ts,
    ...(isReply ? { threadTs: m.threadTs } : {}),
    user: m.user,
    bot: m.botId !== undefined,
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    edited: m.edited !== undefined,
    replyBroadcast: m.replyBroadcast,
    replyCount: replies.length,
    ...(replies.length > 0
      ? { lastReplyTs: replies[replies.length - 1]?.ts, replyUsers: [...new Set(replies.map((r) => r.user))] }
      : {}),
    reactions: m.reactions.map((r) => ({ name: r.name, count: r.users.length })),
    ...(timeline ? { timelinePicture: timeline } : {}),
    files: (m.files ?? [])
      .map((id) => state.file(id))
      .filter((f): f is FileRecord => f !== undefined)
      .map(fileJson),
  };
}

function ephemeralJson(e: EphemeralRecord): Json {
  return {
    channel: e.channel,
    ts: e.ts,
    ...(e.threadTs !== undefined ? { threadTs: e.threadTs } : {}),
    text: e.text,
    ...(e.blocks ? { blocks: e.blocks } : {}),
    ...(e.attachments ? { attachments: e.attachments } : {}),
    edited: e.history.length > 0,
  };
}

function modalJson(ctx: SnapshotContext, view: ViewRecord, user: string): Json {
  const v = view.view;
  return {
    id: view.id,
    title: v.title,
    ...(v.submit ? { submit: v.submit } : {}),
    ...(v.close ? { close: v.close } : {}),
    blocks: Array.isArray(v.blocks) ? v.blocks : [],
    errors: view.errors ?? {},
    depth: ctx.emulator.state.modalStacks.get(user)?.length ?? 1,
  };
}

/** The ops channel first, then the other channels by name, then direct messages with the bot. */
function conversationsOf(ctx: SnapshotContext, user: string): Json[] {
  const { workspace } = ctx.emulator;
  const mine = [...workspace.channels.values()].filter((c) => c.members.has(user) && !c.isArchived);
  const rank = (c: { id: string; isIm: boolean }) => (c.id === ctx.opsChannel ? 0 : c.isIm ? 2 : 1);
  mine.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return mine.map((c) => ({
    id: c.id,
    name: c.isIm ? workspace.bot.name : c.name,
    kind: c.isIm ? 'dm' : c.isPrivate ? 'private' : 'channel',
    botMember: c.members.has(workspace.bot.userId),
  }));
}

export function buildSnapshot(ctx: SnapshotContext, user: string): Json {
  const { workspace, state } = ctx.emulator;
  const conversations = conversationsOf(ctx, user);
  const visible = new Set(conversations.map((c) => String(c.id)));
  const modal = state.openModal(user);
  // What Slack accepted but shows nowhere (a reply to a ts that names no message) is not drawn either.
  const shown = state.messages.filter((m) => !m.deleted && !m.unseen && visible.has(m.channel));
  // One pass instead of a thread query per message: a long incident has hundreds of replies.
  const repliesByParent = new Map<string, MessageRecord[]>();
  for (const m of shown) {
    if (m.threadTs === undefined || m.threadTs === m.ts) continue;
    const key = `${m.channel}/${m.threadTs}`;
    const list = repliesByParent.get(key);
    if (list) list.push(m);
    else repliesByParent.set(key, [m]);
  }
  return {
    mode: ctx.mode,
    // Whether the bot is there to hear anything: its Socket Mode connection (or Request URL).
    app: { connected: ctx.emulator.reachesApp() },
    me: user,
    team: workspace.team.name,
    bot: { id: workspace.bot.userId, name: workspace.bot.name },
    commands: ctx.commands,
    users: [...workspace.users.values()].map((u) => ({
      id: u.id,
      name: u.name,
      realName: u.realName,
      isBot: u.isBot,
      ...(ctx.roles.has(u.id) ? { role: ctx.roles.get(u.id) } : {}),
    })),
    channels: conversations,
    messages: shown.map((m) => messageJson(ctx, m, repliesByParent)),
    ephemerals: state
      .ephemeralsFor(user)
      .filter((e) => visible.has(e.channel))
      .map(ephemeralJson),
    modal: modal && modal.status === 'open' ? modalJson(ctx, modal, user) : null,
  };
}
