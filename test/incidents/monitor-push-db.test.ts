import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@recio/bot/store/embedded';
import type { Monitor } from '@recio/bot/monitor/monitor';
import { RECIO_TABLES_SQL, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { deskAndMonitor, silentLogger, until } from '../support/monitor-fixture.js';
import pg from 'pg';
import { ownedTempDir } from '../support/leftovers.js';

let f: EngineFixture;
let cluster: EmbeddedPostgres;
let clusterDir: string;
let monitor: Monitor;

beforeAll(async () => {
  // The REC.IO database of this host is a PostgreSQL cluster the test owns, so it can be stopped;
  // REC.IO reaches it as its owner (the runtime role is the bot store's, not REC.IO's).
  clusterDir = await ownedTempDir('owned-pg');
  cluster = await startEmbeddedPostgres({ dataDir: clusterDir, logger: silentLogger });
  const client = new pg.Client({ connectionString: cluster.ownerUrl });
  await client.connect();
  await client.query(RECIO_TABLES_SQL);
  await client.end();
  const password = new URL(cluster.ownerUrl).password;
  f = await startEngineFixture({
    hostOptions: {
      agentConfig: {
        db: {
          status: ['pg_isready', '-h', '127.0.0.1', '-p', String(cluster.port)],
          psql: ['psql', '-X', '-d', cluster.ownerUrl],
          pgDump: ['pg_dump', '-d', cluster.ownerUrl],
          expectedTables: ['trades', 'btc_price_log', 'kalshi_market_snapshots'],
        },
        secrets: [password],
      },
    },
  });
  // Polling is slow on purpose here: what is seen fast is seen through supervisord's events.
  ({ monitor } = deskAndMonitor(f, { intervalMs: 60_000, feedMaxAgeSeconds: {} }));
  await monitor.start();
  await until('the monitor leading', async () => (monitor.isLeader ? true : undefined));
});
afterAll(async () => {
  await monitor?.close();
  await f?.stop();
  await cluster?.stop();
  await rm(clusterDir, { recursive: true, force: true });
});

describe('detection', () => {
  test('a crash is seen through the supervisord event listener, long before the next poll', async () => {
    await f.host.supervisor.setMode('kalshi_api_watchdog', 'crash');
    try {
      await f.hosts.run('db1', {
        action: 'service.restart',
        params: { service: 'kalshi_api_watchdog', waitSeconds: 15 },
      });
      // Where it came from is in the timeline text (the event, not a poll), not in how fast it came.
      const incident = await until('the incident from the event', () =>
        f.store.incidents.findUnresolved('program:db1/kalshi_api_watchdog'),
      );
      const detected = (await f.store.timeline.list({ incidentId: incident.id })).find((e) => e.kind === 'detected');
      expect(detected?.text).toMatch(
        /kalshi_api_watchdog went (FATAL|BACKOFF|EXITED) on db1 \(from .*supervisord event/,
      );
    } finally {
      await f.host.supervisor.setMode('kalshi_api_watchdog', 'ok');
      await f.hosts.run('db1', { action: 'service.start', params: { service: 'kalshi_api_watchdog' } });
    }
  });

  test('the database stopped opens a postgres-failure incident; back up, the probe says so in the thread', async () => {
    await cluster.stop();
    await monitor.probeOnce();
    const incident = await f.store.incidents.findUnresolved('db:db1');
    expect(incident).toMatchObject({ scenario: 'postgres-failure', severity: 'sev1', title: 'PostgreSQL down on db1' });
    const detected = (await f.store.timeline.list({ incidentId: incident!.id })).find((e) => e.kind === 'detected');
    expect(detected?.text).toMatch(/^PostgreSQL on db1: /);
    expect(JSON.stringify(detected)).not.toContain(new URL(cluster.ownerUrl).password);

    cluster = await startEmbeddedPostgres({ dataDir: clusterDir, logger: silentLogger });
    await monitor.probeOnce();
    const events = await f.store.timeline.list({ incidentId: incident!.id });
    expect(events.at(-1)).toMatchObject({ kind: 'probe_healthy', text: 'PostgreSQL answers on db1' });
  });
});
