import type { JsonObject } from '../domain/json.js';
import type { Failure } from '../incidents/failure.js';
import type { DeployHead, DeployHistoryRepo } from '../store/index.js';
import type { Observation } from './probes.js';

/** Failures this soon after a deploy are the deploy's fault (§1.4 "services fail immediately after deploy"). */
export const RELEASE_WINDOW_MS = 15 * 60_000;

/**
 * Judges whether programs failing on an app host are the release's fault. What each host had
 * checked out, and the release fault reported, live in the store (deploy_history, release_faults):
 * a bot restarted after a bad deploy, or a replica that takes over as leader, judges as the one
 * that saw the good release did. When programs fail soon after the head changed, the fault is the
 * release, and the newest earlier head every program ran with is the last good tag. Once every
 * program runs again (a rollback, a fix), the release fault is reported healthy, once: without it
 * the release incident could never be offered Resolve.
 */
export class ReleaseWatch {
  constructor(private readonly history: DeployHistoryRepo) {}

  /**
   * `allRunning`: every watched program RUNNING (between crash-loop retries a program is STARTING, neither failing
   * nor up).
   */
  async observe(
    host: string,
    head: DeployHead | undefined,
    failing: ReadonlySet<string>,
    now = Date.now(),
    allRunning = false,
  ): Promise<Observation | undefined> {
    if (head === undefined) return undefined;
    const state = await this.history.observe(host, head, allRunning, new Date(now));
    const name = head.tag ?? head.commit.slice(0, 12);
    if (allRunning) return this.recovered(host, name);
    // While a release fault is open, a new head is its rollback (or fix) under way, not another bad
    // deploy: the programs still failing are that fault. Reading it as a new one would open a second
    // incident whose "last good tag" is the bad release.
    const open = await this.history.openFault(host);
    if (open !== undefined) return failing.size > 0 ? { ok: false, failure: open as unknown as Failure } : undefined;
    if (failing.size === 0 || state.changedAt === null || now - state.changedAt.getTime() > RELEASE_WINDOW_MS)
      return undefined;
    const failure: Failure = {
      kind: 'release',
      host,
      subject: name,
      state: `${failing.size} failing`,
      detail:
        `${[...failing].join(', ')} failing on ${host} since ${name} was checked out` +
        `${state.lastGoodTag ? ` (last good: ${state.lastGoodTag})` : ''}`,
      ...(state.lastGoodTag ? { lastGoodTag: state.lastGoodTag } : {}),
    };
    const recorded = await this.history.recordFault(host, failure as unknown as JsonObject);
    return { ok: false, failure: recorded as unknown as Failure };
  }

  private async recovered(host: string, name: string): Promise<Observation | undefined> {
    const last = (await this.history.closeFault(host)) as unknown as Failure | undefined;
    if (last === undefined) return undefined;
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
