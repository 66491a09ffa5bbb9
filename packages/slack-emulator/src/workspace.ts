/**
 * The people and places of the emulated workspace: one team, one installed app with its bot user,
 * human users, user groups (S…) and conversations (C… channels, D… direct messages). Ids follow
 * Slack's letter prefixes so code that branches on them (U… vs S…, C… vs D…) behaves as with Slack.
 */
export interface SlackUser {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
  isAdmin: boolean;
  tz: string;
}

export interface SlackUsergroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
}

export interface SlackChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  isArchived: boolean;
  members: Set<string>;
  created: number;
  /** For D… conversations: the human on the other side. */
  imUser?: string;
}

export interface WorkspaceSeed {
  team?: { id: string; domain: string; name: string };
  appId?: string;
  bot?: { userId: string; botId: string; name: string };
  users?: Array<Partial<SlackUser> & { id: string; name: string }>;
  usergroups?: SlackUsergroup[];
  /** `members` defaults to every user plus the bot. */
  channels?: Array<{ id: string; name: string; isPrivate?: boolean; isArchived?: boolean; members?: string[] }>;
}

export const defaultSeed: Required<WorkspaceSeed> = {
  team: { id: 'T0RECIO0001', domain: 'recio-dr', name: 'REC.IO' },
  appId: 'A0RECIOBOT1',
  bot: { userId: 'U0RECIOBOT1', botId: 'B0RECIOBOT1', name: 'recio' },
  users: [
    { id: 'U0ALICE0001', name: 'alice', realName: 'Alice Lead', isAdmin: true },
    { id: 'U0BOB000001', name: 'bob', realName: 'Bob Architect' },
    { id: 'U0CAROL0001', name: 'carol', realName: 'Carol Security' },
    { id: 'U0DAVE00001', name: 'dave', realName: 'Dave Visitor' },
  ],
  usergroups: [
    { id: 'S0LEADS0001', handle: 'lead-operators', name: 'Lead operators', users: ['U0ALICE0001'] },
    { id: 'S0ARCH00001', handle: 'architects', name: 'System architects', users: ['U0BOB000001'] },
    { id: 'S0SECOPS001', handle: 'security', name: 'Security officers', users: ['U0CAROL0001'] },
  ],
  channels: [
    { id: 'C0OPS000001', name: 'ops' },
    { id: 'C0INCIDENT1', name: 'incidents' },
    { id: 'C0SECRET001', name: 'security-private', isPrivate: true, members: ['U0CAROL0001', 'U0RECIOBOT1'] },
    // Private and without the bot: to the bot it does not exist (channel_not_found), as in Slack.
    { id: 'C0HRPRIV001', name: 'hr-private', isPrivate: true, members: ['U0ALICE0001'] },
    // The bot is not a member here: posting answers not_in_channel, as in Slack.
    { id: 'C0RANDOM001', name: 'random', members: ['U0ALICE0001', 'U0BOB000001', 'U0CAROL0001', 'U0DAVE00001'] },
  ],
};

export class Workspace {
  readonly team: { id: string; domain: string; name: string };
  readonly appId: string;
  readonly bot: { userId: string; botId: string; name: string };
  readonly users = new Map<string, SlackUser>();
  readonly usergroups = new Map<string, SlackUsergroup>();
  readonly channels = new Map<string, SlackChannel>();
  private dmCounter = 0;

  constructor(seed: WorkspaceSeed = {}, createdAt = Math.floor(Date.now() / 1000)) {
    this.team = seed.team ?? defaultSeed.team;
    this.appId = seed.appId ?? defaultSeed.appId;
    this.bot = seed.bot ?? defaultSeed.bot;
    for (const u of seed.users ?? defaultSeed.users) {
      this.users.set(u.id, { realName: u.name, isBot: false, isAdmin: false, tz: 'Europe/Berlin', ...u });
    }
    this.users.set(this.bot.userId, {
      id: this.bot.userId,
      name: this.bot.name,
      realName: this.bot.name,
      isBot: true,
      isAdmin: false,
      tz: 'UTC',
    });
    for (const g of seed.usergroups ?? defaultSeed.usergroups) this.usergroups.set(g.id, { ...g, users: [...g.users] });
    const everyone = [...this.users.keys()];
    for (const c of seed.channels ?? defaultSeed.channels) {
      this.channels.set(c.id, {
        id: c.id,
        name: c.name,
        isPrivate: c.isPrivate ?? false,
        isIm: false,
        isArchived: c.isArchived ?? false,
        members: new Set(c.members ?? everyone),
        created: createdAt,
      });
    }
  }

  user(idOrName: string): SlackUser | undefined {
    return this.users.get(idOrName) ?? [...this.users.values()].find((u) => u.name === idOrName);
  }

  usergroup(idOrHandle: string): SlackUsergroup | undefined {
    return this.usergroups.get(idOrHandle) ?? [...this.usergroups.values()].find((g) => g.handle === idOrHandle);
  }

  /**
   * Resolve what a Web API `channel` argument may be: a conversation id, a channel name (with or
   * without '#'), or a user id — chat.postMessage to a user id posts in the app's DM with them.
   */
  channel(ref: string): SlackChannel | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    if (/^[UW][A-Z0-9]+$/.test(ref) && this.users.has(ref) && ref !== this.bot.userId) return this.dmWith(ref);
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    return [...this.channels.values()].find((c) => !c.isIm && c.name === name);
  }

  /** The app's direct-message conversation with a user (created on first use, like Slack's App Home DM). */
  dmWith(userId: string): SlackChannel {
    const existing = [...this.channels.values()].find((c) => c.isIm && c.imUser === userId);
    if (existing) return existing;
    this.dmCounter += 1;
    const dm: SlackChannel = {
      id: `D0DM${String(this.dmCounter).padStart(7, '0')}`,
      name: userId,
      isPrivate: true,
      isIm: true,
      isArchived: false,
      members: new Set([userId, this.bot.userId]),
      created: Math.floor(Date.now() / 1000),
      imUser: userId,
    };
    this.channels.set(dm.id, dm);
    return dm;
  }

  isMember(channelId: string, userId: string): boolean {
    return this.channels.get(channelId)?.members.has(userId) ?? false;
  }
}
