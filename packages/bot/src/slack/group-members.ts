import type { WebClient } from '@slack/web-api';
import type { GroupLookup } from '../domain/index.js';

/**
 * `groupsOf` for the core's role check: the members of a Slack user group, from
 * usergroups.users.list, cached for a few minutes (membership changes rarely, and a command must
 * not wait on Slack for every role check). A failed lookup is not cached: it throws, and the core
 * counts the person as not in that group — an unknown group grants nothing. `fresh` (approvals,
 * dangerous requests) always asks Slack and refreshes the cache with the answer.
 */
export function createGroupMembers(
  client: WebClient,
  options: { ttlMs?: number; now?: () => number } = {},
): GroupLookup {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Promise<readonly string[]> }>();
  return (groupId, lookup = {}) => {
    const hit = cache.get(groupId);
    if (hit && !lookup.fresh && now() - hit.at < ttlMs) return hit.members;
    const members = client.usergroups.users.list({ usergroup: groupId }).then((r) => r.users ?? []);
    cache.set(groupId, { at: now(), members });
    members.catch(() => cache.delete(groupId));
    return members;
  };
}
