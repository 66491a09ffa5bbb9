import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { SandboxPaths } from './sandbox-paths.js';
import { dbUrl, isAccepting } from './sandbox-postgres.js';
import { readProviderMode } from './sandbox-services.js';
import type { ActiveFault, ProviderName, SandboxState } from './sandbox-state.js';
import { programStatus } from './sandbox-supervisor.js';
import { currentRelease } from './release-repo.js';

/** A recorded fault and whether the sandbox still shows it (the bot may well have repaired it). */
export interface FaultView extends ActiveFault {
  inEffect: boolean;
}

async function tableExists(state: SandboxState, table: string): Promise<boolean | undefined> {
  const client = new pg.Client({ connectionString: dbUrl(state), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rowCount } = await client.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", [
      table,
    ]);
    return rowCount === 1;
  } catch {
    // The database is down or unreachable: whether the table exists is unknown, said so by undefined.
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Checks the symptom a fault made, not the record of it: a recovery drill is over when the symptom
 * is gone, whoever fixed it. Unknown (say, the database is down so a dropped table cannot be looked
 * for) counts as still in effect.
 */
export async function faultInEffect(paths: SandboxPaths, state: SandboxState, fault: ActiveFault): Promise<boolean> {
  switch (fault.scenario) {
    case 'postgres-failure':
      if (fault.variant === 'drop-table') return (await tableExists(state, fault.target)) !== true;
      return !(await isAccepting(paths, state));
    case 'service-crash': {
      if (existsSync(join(paths.faultsDir, fault.target))) return true;
      const program = (await programStatus(paths))?.find((p) => p.name === fault.target);
      return program?.state !== 'RUNNING';
    }
    case 'provider-outage':
      return readProviderMode(paths, fault.target as ProviderName) !== 'ok';
    case 'bad-release':
      return (await currentRelease(paths, state.user)) === fault.target;
    default:
      return true;
  }
}

export async function viewFaults(paths: SandboxPaths, state: SandboxState): Promise<FaultView[]> {
  return Promise.all(
    state.faults.map(async (fault) => ({ ...fault, inEffect: await faultInEffect(paths, state, fault) })),
  );
}
