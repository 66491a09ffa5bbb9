import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { RECIO_SCHEMA_SQL } from './recio-schema.js';
import type { Sandbox } from './sandbox-handle.js';
import { ensureCluster } from './sandbox-postgres.js';
import { PROVIDERS, requireState, withSandboxLock, writeState } from './sandbox-state.js';
import { startStuckPrograms, supervisorctl } from './sandbox-supervisor.js';
import { BAD_TAG, checkoutRelease, currentRelease, GOOD_TAG } from './release-repo.js';
import type { Scenario } from './sandbox-faults.js';
import { SCENARIOS } from './sandbox-faults.js';
import { waitUntilHealthy } from './sandbox-up.js';

export interface HealReport {
  /** One line per thing put back. */
  healed: string[];
}

/**
 * Undoes a scenario's fault (or every one) and starts the programs that gave up, then waits until
 * the sandbox is healthy again. For tests and for resetting between drills: in a drill, the bot's
 * runbook is what heals, and this is how to clean up after a drill that did not.
 */
export async function heal(sandbox: Sandbox, scenario?: Scenario, timeoutMs = 90_000): Promise<HealReport> {
  const healed: string[] = [];
  await withSandboxLock(sandbox.paths, async () => {
    const state = requireState(sandbox.paths);
    for (const s of scenario === undefined ? SCENARIOS : [scenario]) {
      const fault = state.faults.find((f) => f.scenario === s);
      healed.push(...(await undo(sandbox, s, fault?.previous)));
    }
    state.faults = state.faults.filter((f) => scenario !== undefined && f.scenario !== scenario);
    writeState(sandbox.paths, state);
    for (const p of await startStuckPrograms(sandbox.paths)) healed.push(`started ${p.name} (was ${p.state})`);
  });
  await waitUntilHealthy(sandbox, timeoutMs);
  return { healed };
}

async function undo(sandbox: Sandbox, scenario: Scenario, previous: string | undefined): Promise<string[]> {
  const { paths } = sandbox;
  switch (scenario) {
    case 'postgres-failure': {
      const lines: string[] = [];
      const state = requireState(paths);
      if ((await ensureCluster(paths, state, state.user)) === 'started') lines.push('started PostgreSQL');
      // A dropped table comes back empty; the bot's restore is what brings its rows back.
      const client = new pg.Client({ connectionString: sandbox.db.url, connectionTimeoutMillis: 5_000 });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const before = (await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"))
          .rows[0] as { n: number };
        await client.query(RECIO_SCHEMA_SQL);
        const after = (await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"))
          .rows[0] as { n: number };
        if (after.n > before.n) lines.push(`recreated ${after.n - before.n} missing table(s)`);
      } finally {
        await client.end();
      }
      return lines;
    }
    case 'service-crash': {
      const files = readdirSync(paths.faultsDir);
      for (const file of files) rmSync(join(paths.faultsDir, file), { force: true });
      return files.map((f) => `cleared the crash fault of ${f}`);
    }
    case 'provider-outage':
      return PROVIDERS.filter((p) => sandbox.providers[p].mode() !== 'ok').map((p) => {
        sandbox.providers[p].setMode('ok');
        return `${p} stand-in answers normally again`;
      });
    case 'bad-release': {
      const now = await currentRelease(paths, sandbox.user);
      if (now !== BAD_TAG && previous === undefined) return [];
      const back = previous !== undefined && previous !== BAD_TAG ? previous : GOOD_TAG;
      if (now === back) return [];
      await checkoutRelease(paths, sandbox.user, back);
      await supervisorctl(paths, 'restart', 'all');
      return [`checked out ${back} (was ${now}) and restarted all programs`];
    }
  }
}
