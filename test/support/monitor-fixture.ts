import { createMonitor } from '@recio/bot/compose';
import type { IncidentDesk } from '@recio/bot/incidents/desk';
import type { Monitor, MonitorOptions } from '@recio/bot/monitor/monitor';
import type { EngineFixture } from './engine-fixture.js';

export const silentLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The fixture's incident desk, and the bot's monitor over its host, store and provider stand-ins. */
export function deskAndMonitor(
  f: EngineFixture,
  options: Partial<MonitorOptions> = {},
): { desk: IncidentDesk; monitor: Monitor } {
  const monitor = createMonitor(f.core, {
    intervalMs: 1_000,
    push: true,
    feedMaxAgeSeconds: { btc_price: 60, kalshi: 120 },
    backupMaxAgeSeconds: 26 * 3600,
    ...options,
  });
  return { desk: f.desk, monitor };
}
/**
 * Polls until the probe gives a value. The bound is time, not a count of tries (a try takes longer
 * on a loaded machine), and generous: a green run ends at the event, so it costs nothing. It is
 * shorter than the test's own timeout, so a wait that never ends names itself, and `explain` adds
 * what the wait was looking at (a step's state and detail, say) to the failure.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const why = explain ? `: ${await explain()}` : '';
      throw new Error(`timed out waiting for ${what} (${timeoutMs / 1000} s)${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
