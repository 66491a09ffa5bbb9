import type { Observation } from './probes.js';

/** Failures this soon after a deploy are the deploy's fault (§1.4 "services fail immediately after deploy"). */
export const RELEASE_WINDOW_MS = 15 * 60_000;

interface Head {
  commit: string;
  tag: string | null;
}

/**
 * Remembers what each app host has checked out; when programs fail soon after it changed, the
 * fault is the release, and the tag it replaced is the last known good one to roll back to.
 */
export class ReleaseWatch {
  private readonly heads = new Map<string, { head: Head; previous: Head | undefined; changedAt: number | undefined }>();

  observe(host: string, head: Head | undefined, failing: ReadonlySet<string>, now = Date.now()): Observation | undefined {
    if (head === undefined) return undefined;
    const known = this.heads.get(host);
    if (known === undefined) this.heads.set(host, { head, previous: undefined, changedAt: undefined });
    else if (known.head.commit !== head.commit) this.heads.set(host, { head, previous: known.head, changedAt: now });
    const entry = this.heads.get(host)!;
    if (failing.size === 0 || entry.changedAt === undefined || now - entry.changedAt > RELEASE_WINDOW_MS) return undefined;
    const name = head.tag ?? head.commit.slice(0, 12);
    return {
      ok: false,
      failure: {
        kind: 'release',
        host,
        subject: name,
        state: `${failing.size} failing`,
        detail: `${[...failing].join(', ')} failing on ${host} since ${name} was checked out${entry.previous?.tag ? ` (was ${entry.previous.tag})` : ''}`,
        ...(entry.previous?.tag ? { lastGoodTag: entry.previous.tag } : {}),
      },
    };
  }
}
