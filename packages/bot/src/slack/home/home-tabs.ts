import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';
import type { Operations } from '../../operations/operations.js';
import type { OutboxMessage } from '../../store/index.js';
import type { HealthLimits } from '../views/home-hosts.js';
import { renderHome, type HomeIncident, type HomeState } from '../views/home.js';
import type { FleetOverview } from '../../operations/fleet-overview.js';
import { createPermalinks } from './permalinks.js';
import { RecentViewers } from './recent-viewers.js';
import type { Incident } from '../../domain/index.js';

export interface HomeTabsOptions {
  /** The monitor's limits for a stale feed or backup (default: btc_price 60 s, kalshi 120 s, 26 h). */
  limits?: HealthLimits;
  /** How long the hosts get to answer before the Home shows them as not answering (default 4 s). */
  readDeadlineMs?: number;
  /** A reading younger than this is shown as it is, without asking the hosts again (default 5 s). */
  freshForMs?: number;
  /** Incident changes within this window make one refresh (default 1 s). */
  debounceMs?: number;
  /**
   * Whose Home an incident change refreshes: people who opened it within this (default 30 min), at most
   * `maxViewers` (50).
   */
  recentForMs?: number;
  maxViewers?: number;
}

/** The App Home of everyone who looks at it: published when opened, refreshed when an incident changes. */
export interface HomeTabs {
  /** `app_home_opened`: the Home at once (with the last reading), then with the hosts' fresh answers. */
  opened(userId: string): Promise<void>;
  /** The answer to a click in the Home, shown at its top. */
  tell(userId: string, text: string): Promise<void>;
  /** The publisher sent a row: an incident's message means the incident changed. */
  afterSent(message: OutboxMessage): void;
  /** Refreshes the Home of recent viewers, once for a burst of changes. */
  incidentChanged(): void;
  stop(): Promise<void>;
}

const DEFAULT_LIMITS: HealthLimits = {
  feedMaxAgeSeconds: { btc_price: 60, kalshi: 120 },
  backupMaxAgeSeconds: 26 * 3600,
};
/**
 * views.publish is tier 4 (100+ calls a minute per workspace): refreshes are spaced so that they
 * stay under this, leaving room for people opening their Home.
 */
const REFRESH_PUBLISHES_PER_MINUTE = 80;
const SEVERITY_ORDER: Record<Incident['severity'], number> = { sev1: 0, sev2: 1, sev3: 2, sev4: 3 };

export function createHomeTabs(
  deps: { client: WebClient; ops: Operations; logger: Logger },
  options: HomeTabsOptions = {},
): HomeTabs {
  const { client, ops, logger } = deps;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const freshForMs = options.freshForMs ?? 5_000;
  const viewers = new RecentViewers({
    max: options.maxViewers ?? 50,
    recentForMs: options.recentForMs ?? 30 * 60_000,
    noticeForMs: 10 * 60_000,
  });
  const permalinkOf = createPermalinks(client, logger);
  const queues = new Map<string, Promise<void>>();
  const working = new Set<Promise<unknown>>();
  let last: FleetOverview | undefined;
  let reading: Promise<FleetOverview> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let nextRefreshAt = 0;
  let stopped = false;

  /** The hosts read once for everyone asking at the same time; a recent enough reading is reused. */
  function readHosts(): Promise<FleetOverview> {
    if (last && Date.now() - last.readAt.getTime() < freshForMs) return Promise.resolve(last);
    reading ??= ops
      .readFleet({
        deadlineMs: options.readDeadlineMs ?? 4_000,
        traceId: `home-${randomUUID().slice(0, 8)}`,
      })
      .then((overview) => (last = overview))
      .finally(() => (reading = undefined));
    return reading;
  }

  /** The last drill for the Home; a store that cannot be read leaves the line out (the incidents say why). */
  async function drill(): Promise<{ drill?: HomeState['drill'] }> {
    const due = await ops.drillDue().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not read the last drill for the App Home');
      return undefined;
    });
    if (due === undefined) return {};
    return {
      drill: { lastAt: due.last?.at ?? null, lastScenario: due.last?.scenario ?? null, next: due.next },
    };
  }

  async function incidents(): Promise<HomeIncident[] | { error: string }> {
    const listed = await ops.openIncidents().catch((error: Error) => ({ error: error.message }));
    if (!Array.isArray(listed)) return listed;
    const open = listed.sort(
      (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.openedAt.getTime() - b.openedAt.getTime(),
    );
    return Promise.all(
      open.map(async (incident) =>
        incident.channel && incident.threadTs
          ? { incident, link: await permalinkOf(incident.channel, incident.threadTs) }
          : { incident },
      ),
    );
  }

  /**
   * One person's Home as things are now. Publishes for one person never overlap, so the newest is the last
   * one shown.
   */
  function publish(userId: string, overview: FleetOverview | undefined, readingAgain: boolean): Promise<void> {
    const previous = queues.get(userId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        if (stopped) return;
        const actor = await ops.actorFor(userId);
        const notice = viewers.noticeFor(userId);
        const state =
          actor.roles.length === 0
            ? { viewer: actor, reading: false, incidents: [], limits, ...(notice ? { notice } : {}) }
            : {
                viewer: actor,
                reading: readingAgain,
                incidents: await incidents(),
                restoreTests: await ops.restoreTests().catch((error: Error) => ({ error: error.message })),
                ...(await drill()),
                breakGlass: await ops.unreviewedBreakGlass().catch((error: Error) => ({ error: error.message })),
                limits,
                ...(overview ? { overview } : {}),
                ...(notice ? { notice } : {}),
              };
        await client.views.publish({ user_id: userId, view: renderHome(state) });
      })
      .catch((error: unknown) => logger.warn({ err: error, user: userId }, 'could not publish the App Home'));
    queues.set(userId, next);
    void next.finally(() => queues.get(userId) === next && queues.delete(userId));
    return next;
  }

  /** At once with what is known, then — unless that was fresh — again once the hosts answered. */
  async function show(userId: string): Promise<void> {
    const actor = await ops.actorFor(userId);
    // Someone without a role is shown why; the hosts are not asked, and an incident changes nothing for them.
    if (actor.roles.length === 0) {
      viewers.forget(userId);
      return publish(userId, undefined, false);
    }
    const fresh = last !== undefined && Date.now() - last.readAt.getTime() < freshForMs;
    await publish(userId, last, !fresh);
    if (!fresh) await publish(userId, await readHosts(), false);
  }

  function track<T>(work: Promise<T>): Promise<T> {
    working.add(work);
    void work.finally(() => working.delete(work)).catch(() => undefined);
    return work;
  }

  async function refreshAll(): Promise<void> {
    const ids = viewers.recent();
    nextRefreshAt = Date.now() + (ids.length * 60_000) / REFRESH_PUBLISHES_PER_MINUTE;
    if (ids.length === 0 || stopped) return;
    const overview = await readHosts();
    const limit = pLimit(4);
    await Promise.all(ids.map((id) => limit(() => publish(id, overview, false))));
  }

  function incidentChanged(): void {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        void track(refreshAll()).catch((error: unknown) => logger.warn({ err: error }, 'refreshing App Homes failed'));
      },
      Math.max(options.debounceMs ?? 1_000, nextRefreshAt - Date.now()),
    );
  }

  return {
    opened(userId) {
      viewers.seen(userId);
      return track(show(userId));
    },
    tell(userId, text) {
      viewers.tell(userId, text);
      return track(last ? publish(userId, last, false) : show(userId));
    },
    afterSent(message) {
      if ((message.payload.event as { type?: unknown } | undefined)?.type === 'incident') incidentChanged();
    },
    incidentChanged,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      // Bounded: a hung host must not hold the shutdown.
      await Promise.race([
        Promise.allSettled([...working]),
        new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
      ]);
    },
  };
}
