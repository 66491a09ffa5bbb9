import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, stopPostmaster } from '@recio/os/processes';

/** After a failed test, a killed fixture's embedded PostgreSQL may still run: stop it by its pid file. */
export async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) await stopPostmaster(pid, 5_000);
}
