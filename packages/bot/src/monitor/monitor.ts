import { setTimeout as sleep } from 'node:timers/promises';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { IncidentDesk } from '../incidents/desk.js';
import { classify, type Failure } from '../incidents/failure.js';
import type { Leadership, Store, StoreLogger } from '../store/index.js';
import { parseEventLines } from './events.js';
import {
  probeBackups,
  probeDatabase,
  probeFeeds,
  probeProviders,
  type Observation,
  type ProbeContext,
} from './probes.js';
import { ReleaseCheck } from './release-check.js';
import { ReleaseWatch } from './release-watch.js';

export interface MonitorOptions {
  intervalMs: number;
  /** Follow supervisord's events through the agents (push), besides polling. */
  push: boolean;
  feedMaxAgeSeconds: Record<string, number>;
  backupMaxAgeSeconds: number;
  /** RECIO_RELEASE_SETTLE_SECONDS: every program up this long before a release counts as running. */
  releaseSettleSeconds?: number;
}

export interface MonitorDeps {
  store: Store;
  hosts: Hosts;
  desk: IncidentDesk;
  probe: Omit<ProbeContext, 'feedMaxAgeSeconds' | 'backupMaxAgeSeconds' | 'deadlineMs'>;
  logger: StoreLogger;
}

/**
 * Watches the system and turns what fails into incidents. One replica runs it (PostgreSQL advisory
 * lock); another takes over within an interval when that process dies. Polls every interval and,
 * with push, follows supervisord's process events so a crash is seen within seconds.
 */
export class Monitor {
  private readonly state = new Map<string, boolean>();
  private readonly release: ReleaseCheck;
  private leadership: Leadership | undefined;
  private readonly stop = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly deps: MonitorDeps,
    private readonly options: MonitorOptions,
  ) {
    this.release = new ReleaseCheck(new ReleaseWatch(deps.store.deployHistory), options.releaseSettleSeconds);
  }

  get isLeader(): boolean {
    return this.leadership?.isLeader() ?? false;
  }

  async start(): Promise<void> {
    this.leadership = await this.deps.store.leadership('monitor', {
      retryMs: this.options.intervalMs,
      onChange: (leader) => this.deps.logger.info({ leader }, leader ? 'monitor: leading' : 'monitor: standing by'),
    });
    this.loops.push(this.pollLoop());
    if (this.options.push) for (const host of this.deps.probe.withRole('app')) this.loops.push(this.followLoop(host));
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.leadership?.close();
    await Promise.allSettled(this.loops);
  }

  /**
   * One probe round over the fleet, then the transitions it implies. Rounds never overlap: a slow
   * round finishing after a newer one would report a stale failure as a fresh one.
   */
  probeOnce(): Promise<Observation[]> {
    const round = this.lastRound.catch(() => undefined).then(() => this.probeRound());
    this.lastRound = round;
    return round;
  }

  private lastRound: Promise<unknown> = Promise.resolve();

  private probeContext(): ProbeContext {
    return {
      ...this.deps.probe,
      feedMaxAgeSeconds: this.options.feedMaxAgeSeconds,
      backupMaxAgeSeconds: this.options.backupMaxAgeSeconds,
      deadlineMs: Math.max(5_000, this.options.intervalMs),
    };
  }

  private async probeRound(): Promise<Observation[]> {
    const ctx = this.probeContext();
    // Programs first: a crash is the most common fault and the one a trader feels first.
    const observations: Observation[] = [];
    const failing = new Set<string>();
    for (const host of ctx.withRole('app')) {
      const verdict = await this.release.check(ctx, host);
      for (const p of verdict.failing) failing.add(p);
      // A bad release is one fault: its programs are not faults of their own (the healthy ones still say so).
      observations.push(
        ...(verdict.release?.ok === false
          ? [verdict.release, ...verdict.programs.filter((o) => o.ok)]
          : [...(verdict.release ? [verdict.release] : []), ...verdict.programs]),
      );
    }
    const providers = await probeProviders(ctx);
    observations.push(...providers.observations);
    for (const host of ctx.withRole('db')) {
      const db = await probeDatabase(ctx, host);
      observations.push(...db.observations);
      if (!db.up) continue;
      observations.push(
        ...(await probeFeeds(ctx, host, { providersDown: providers.down, programsFailing: failing })),
        ...(await probeBackups(ctx, host)),
      );
    }
    for (const observation of observations) await this.observe(observation);
    // Untouched incidents that recovered and stayed quiet resolve themselves (the desk decides which).
    await this.deps.desk.resolveQuiet();
    return observations;
  }

  /** Reports a transition only: healthy → failing opens (or joins) an incident; failing → healthy tells it. */
  async observe(observation: Observation): Promise<void> {
    const { fingerprint } = classify(observation.failure);
    const wasOk = this.state.get(fingerprint);
    this.state.set(fingerprint, observation.ok);
    if (!observation.ok && wasOk !== false) {
      await this.checkCauses(observation.failure);
      await this.deps.desk.reportFailure(observation.failure);
    }
    if (observation.ok && wasOk === false) await this.deps.desk.reportHealthy(fingerprint, observation.failure.detail);
  }

  /**
   * Before a program or feed failure opens anything: is a cause of it (commands/topology.yml) down
   * too? The database is probed now rather than at the next round, so a cascade opens the cause's
   * incident first and its symptoms join it (one thread per cause) instead of each opening its own.
   */
  private async checkCauses(failure: Failure): Promise<void> {
    if (failure.kind !== 'program' && failure.kind !== 'feed') return;
    const { topology } = this.deps.desk;
    const node = failure.kind === 'program' ? `program:${failure.subject}` : `feed:${failure.subject}`;
    const causes = topology.causesOf(node);
    if (!topology.causesOfKind('db').some((db) => causes.has(db))) return;
    const ctx = this.probeContext();
    for (const host of ctx.withRole('db')) {
      const db = await probeDatabase(ctx, host);
      for (const observation of db.observations) if (!observation.ok) await this.observe(observation);
    }
  }

  /**
   * A program failure pushed by supervisord goes through the same release check as a probe round:
   * after a bad deploy (one seen before a restart or by another leader too) it is the release's
   * fault, reported once, not an incident per program.
   */
  private async observeEvent(host: string, failure: Failure): Promise<void> {
    const verdict = await this.release.check(this.probeContext(), host, failure.subject);
    if (verdict.release?.ok === false) await this.observe(verdict.release);
    else await this.observe({ ok: false, failure });
  }

  private async pollLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.leadership!.whenLeader();
      if (this.stop.signal.aborted) return;
      const started = Date.now();
      await this.probeOnce().catch((error: Error) =>
        this.deps.logger.warn({ err: error.message }, 'monitor: probe round failed'),
      );
      await sleep(Math.max(0, this.options.intervalMs - (Date.now() - started)), undefined, {
        signal: this.stop.signal,
      }).catch(() => undefined);
    }
  }

  /** A long poll of one host's supervisord events, re-armed as soon as it returns. */
  private async followLoop(host: string): Promise<void> {
    let after: number | null = null;
    while (!this.stop.signal.aborted) {
      await this.leadership!.whenLeader();
      if (this.stop.signal.aborted) return;
      let pending = '';
      const result = await this.deps.hosts.run(
        host,
        { action: 'events.follow', params: { after, waitSeconds: 25 } },
        {
          deadlineMs: 35_000,
          signal: this.stop.signal,
          onChunk: (_stream, data) => {
            pending += data;
            const cut = pending.lastIndexOf('\n') + 1;
            const lines = pending.slice(0, cut);
            pending = pending.slice(cut);
            for (const failure of parseEventLines(lines, host, this.deps.probe.services)) {
              void this.observeEvent(host, failure).catch((error: Error) =>
                this.deps.logger.warn({ err: error.message }, 'monitor: event report failed'),
              );
            }
          },
        },
      );
      if (result.ok) after = (result.data as { offset: number }).offset;
      else await sleep(this.options.intervalMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }
}

export type { Failure };
