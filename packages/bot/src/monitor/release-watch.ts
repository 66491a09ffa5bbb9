import type { Failure } from '../incidents/failure.js';
import type { Observation } from './probes.js';

/** Failures this soon after a deploy are the deploy's fault (§1.4 "services fail immediately after deploy"). */
export const RELEASE_WINDOW_MS = 15 * 60_000;

interface Head {
  commit: string;
  tag: string | null;
}

/**
 * Remembers what each app host has checked out; when programs fail soon after it changed, the
 * fault is the release, and the tag it replaced is the last known good one to roll back to. Once
 * every program runs again (a rollback, a fix), the same release fault is reported healthy, once:
 * without it the release incident could never be offered Resolve.
 */
export class ReleaseWatch {
  private readonly heads = new Map<string, { head: Head; previous: Head | undefined; changedAt: number | undefined }>();
  private readonly reported = new Map<string, Failure>();

  /**
   * `allRunning`: every watched program RUNNING (between crash-loop retries a program is STARTING, neither failing
   * nor up).
   */
  observe(
    host: string,
    head: Head | undefined,
    failing: ReadonlySet<string>,
    now = Date.now(),
    allRunning = false,
  ): Observation | undefined {
    if (head === undefined) return undefined;
    const known = this.heads.get(host);
    if (known === undefined) this.heads.set(host, { head, previous: undefined, changedAt: undefined });
    else if (known.head.commit !== head.commit) this.heads.set(host, { head, previous: known.head, changedAt: now });
    const entry = this.heads.get(host)!;
    const name = head.tag ?? head.commit.slice(0, 12);
    if (allRunning) return this.recovered(host, name);
    // While a release fault is open, a new head is its rollback (or fix) under way, not another bad
    // deploy: the programs still failing are that fault. Reading it as a new one would open a second
    // incident whose "last good tag" is the bad release.
    const open = this.reported.get(host);
    if (open !== undefined) return failing.size > 0 ? { ok: false, failure: open } : undefined;
    if (failing.size === 0 || entry.changedAt === undefined || now - entry.changedAt > RELEASE_WINDOW_MS)
      return undefined;
    const failure: Failure = {
      kind: 'release',
      host,
      subject: name,
      state: `${failing.size} failing`,
      detail:
        `${[...failing].join(', ')} failing on ${host} since ${name} was checked out` +
        `${entry.previous?.tag ? ` (was ${entry.previous.tag})` : ''}`,
      ...(entry.previous?.tag ? { lastGoodTag: entry.previous.tag } : {}),
    };
    this.reported.set(host, failure);
    return { ok: false, failure };
  }

  private recovered(host: string, name: string): Observation | undefined {
    const last = this.reported.get(host);
    if (last === undefined) return undefined;
    this.reported.delete(host);
    return {
      ok: true,
      failure: {
        ...last,
        state: 'recovered',
        detail: `every program running again on ${host} with ${name} checked out`,
      },
    };
  }
}
