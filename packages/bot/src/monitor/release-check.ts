import { probePrograms, type Observation, type ProbeContext } from './probes.js';
import type { ReleaseWatch } from './release-watch.js';

/** One app host's programs, judged against its release. */
export interface ReleaseVerdict {
  /**
   * The release fault (failing, or recovered) when the release is to blame; the programs are then
   * not faults of their own.
   */
  release: Observation | undefined;
  /** The programs' own observations (empty when supervisord did not answer). */
  programs: Observation[];
  failing: Set<string>;
}

/**
 * How long every program must have been RUNNING before a release counts as running (good, or
 * recovered): supervisord says RUNNING once a start outlives startsecs (1 s by default), so a
 * release that crashes a few seconds in shows every program RUNNING between crashes. Marking it
 * good then makes it a rollback target, and reading it as recovered closes its fault, so the
 * rollback's own head change reads as a new bad deploy whose last good tag is the bad release.
 * The agent holds a rollback to the same rule (deploy.settleSeconds, 10 s by default).
 */
export const RELEASE_SETTLE_SECONDS = 10;

/**
 * The one release check the poll round and the supervisord event path both go through: the
 * programs' states, what is checked out, and the release watch's verdict. Checks of one host run
 * one after another (six programs crashing at once give six events): each sees what the one
 * before it recorded, so a bad deploy is one release fault, never one per program.
 */
export class ReleaseCheck {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly watch: ReleaseWatch,
    private readonly settleSeconds = RELEASE_SETTLE_SECONDS,
  ) {}

  /** `alsoFailing`: a program an event just said failed (supervisord may already show it STARTING again). */
  check(ctx: ProbeContext, host: string, alsoFailing?: string): Promise<ReleaseVerdict> {
    const previous = this.queues.get(host) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.run(ctx, host, alsoFailing));
    this.queues.set(host, next);
    return next;
  }

  private async run(ctx: ProbeContext, host: string, alsoFailing: string | undefined): Promise<ReleaseVerdict> {
    const programs = await probePrograms(ctx, host);
    const failing = new Set(programs.failing);
    if (alsoFailing !== undefined) failing.add(alsoFailing);
    const head = await ctx.hosts.run(host, { action: 'deploy.current', params: {} }, { deadlineMs: ctx.deadlineMs });
    const allRunning =
      alsoFailing === undefined &&
      programs.observations.length > 0 &&
      programs.observations.every((o) => o.failure.state === 'RUNNING') &&
      programs.leastUptimeSeconds !== null &&
      programs.leastUptimeSeconds >= this.settleSeconds;
    const release = await this.watch.observe(
      host,
      head.ok ? (head.data as { commit: string; tag: string | null }) : undefined,
      failing,
      Date.now(),
      allRunning,
    );
    return { release, programs: programs.observations, failing };
  }
}
