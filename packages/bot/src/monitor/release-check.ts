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
 * The one release check the poll round and the supervisord event path both go through: the
 * programs' states, what is checked out, and the release watch's verdict. Checks of one host run
 * one after another (six programs crashing at once give six events): each sees what the one
 * before it recorded, so a bad deploy is one release fault, never one per program.
 */
export class ReleaseCheck {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly watch: ReleaseWatch) {}

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
      programs.observations.every((o) => o.failure.state === 'RUNNING');
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
