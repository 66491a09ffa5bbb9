import type { WorkspaceSeed } from '@recio/slack-emulator/index';

/**
 * Who is in the local console's workspace and which role each person plays, so one person can be
 * the requester and another the approver. The roles are labels the console shows; `roleMembersOf`
 * gives the bot the same people per role, so what the switcher says is what the bot enforces.
 */
export interface ConsolePerson {
  /** Slack-style user id (U…). */
  id: string;
  name: string;
  realName: string;
  /** A role of the plan (lead_operator, system_architect, security_officer), or none. */
  role?: string;
}

export interface ConsoleSeed {
  people: ConsolePerson[];
  /** Conversations; the first one is the ops channel, listed first and opened first. */
  channels: Array<{ id: string; name: string }>;
}

export const defaultConsoleSeed: ConsoleSeed = {
  people: [
    { id: 'U0ALICE0001', name: 'alice', realName: 'Alice Lead', role: 'lead_operator' },
    { id: 'U0BOB000001', name: 'bob', realName: 'Bob Second', role: 'lead_operator' },
    { id: 'U0CAROL0001', name: 'carol', realName: 'Carol Architect', role: 'system_architect' },
  ],
  channels: [
    { id: 'C0OPS000001', name: 'ops' },
    { id: 'C0INCIDENT1', name: 'incidents' },
  ],
};

/** The emulator's workspace for a console seed: everyone (and the bot) in every channel. */
export function workspaceSeedOf(seed: ConsoleSeed = defaultConsoleSeed): WorkspaceSeed {
  return {
    users: seed.people.map((p) => ({ id: p.id, name: p.name, realName: p.realName })),
    usergroups: [],
    channels: seed.channels.map((c) => ({ id: c.id, name: c.name })),
  };
}

/** User ids per role, for the bot's role configuration in console mode. */
export function roleMembersOf(seed: ConsoleSeed = defaultConsoleSeed): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of seed.people) {
    if (p.role === undefined) continue;
    out[p.role] ??= [];
    out[p.role]!.push(p.id);
  }
  return out;
}
