import type { IncidentDesk } from '../incidents/desk.js';
import { Monitor, type MonitorOptions } from '../monitor/monitor.js';
import type { StoreLogger } from '../store/index.js';
import type { Core } from './open-core.js';

/**
 * The monitor over a core, with the limits the plan implies (§3: prices every few seconds, Kalshi
 * snapshots every minute or two; a nightly dump). The bot runs this one; a drill runs the same.
 */
export function createCoreMonitor(
  core: Core,
  desk: IncidentDesk,
  logger: StoreLogger,
  options: Partial<MonitorOptions> = {},
): Monitor {
  const env = core.config.env;
  return new Monitor(
    {
      store: core.store,
      hosts: core.hosts,
      desk,
      logger,
      probe: {
        hosts: core.hosts,
        withRole: core.fleet.withRole,
        checks: {
          providers: { kalshi: env.RECIO_KALSHI_HEALTH_URL, coinbase: env.RECIO_COINBASE_HEALTH_URL },
          webUrl: env.RECIO_WEB_URL,
          httpTimeoutMs: env.RECIO_HTTP_TIMEOUT_MS,
        },
        services: core.ops.deps.vocabulary.services,
      },
    },
    {
      intervalMs: env.RECIO_MONITOR_INTERVAL_MS,
      push: env.RECIO_MONITOR_PUSH,
      feedMaxAgeSeconds: { btc_price: 60, kalshi: 120 },
      backupMaxAgeSeconds: 26 * 3600,
      ...options,
    },
  );
}
