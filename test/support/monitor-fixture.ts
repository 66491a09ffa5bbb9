import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { IncidentDesk } from '@recio/bot/incidents/desk';
import { Monitor, type MonitorOptions } from '@recio/bot/monitor/monitor';
import type { EngineFixture } from './engine-fixture.js';

export const silentLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The incident desk and a monitor over an engine fixture's host, store and provider stand-ins. */
export function deskAndMonitor(
  f: EngineFixture,
  options: Partial<MonitorOptions> = {},
  deskOptions: { opsChannel?: string; onChange?: () => void } = {},
): { desk: IncidentDesk; monitor: Monitor } {
  const desk = new IncidentDesk(f.store, f.ops, { opsChannel: 'COPS00001', ...deskOptions });
  const monitor = new Monitor(
    {
      store: f.store,
      hosts: f.hosts,
      desk,
      probe: {
        hosts: f.hosts,
        withRole: (role) => f.hosts.withRole(role).map((h) => h.name),
        checks: {
          providers: { kalshi: f.kalshi.url, coinbase: f.coinbase.url },
          webUrl: f.web.url,
          httpTimeoutMs: 1_000,
        },
        services: [...RECIO_PROGRAMS],
      },
      logger: silentLogger,
    },
    {
      intervalMs: 1_000,
      push: true,
      feedMaxAgeSeconds: { btc_price: 60, kalshi: 120 },
      backupMaxAgeSeconds: 26 * 3600,
      ...options,
    },
  );
  return { desk, monitor };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
