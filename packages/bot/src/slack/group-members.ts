import type { WebClient } from '@slack/web-api';

/**
 * `groupsOf` for the core's role check: the members of a Slack user group, from
 * usergroups.users.list, cached for a few minutes (membership changes rarely, and a command must
 * not wait on Slack for every role check). A failed lookup is not cached: it throws, and the core
 * counts the person as not in that group — an unknown group grants nothing.
 */
export function createGroupMembers(
  client: WebClient,
  options: { ttlMs?: number; now?: () => number } = {},
): (groupId: string) => Promise<readonly string[]> {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Promise<readonly string[]> }>();
  return (groupId) => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    const members = client.usergroups.users.list({ usergroup: groupId }).then((r) => r.users ?? []);
    cache.set(groupId, { at: now(), members });
    members.catch(() => cache.delete(groupId));
    return members;
  };
}
