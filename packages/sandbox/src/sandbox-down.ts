import { existsSync, rmSync } from 'node:fs';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { killLeftovers } from './leftovers.js';
import { sandboxPaths } from './sandbox-paths.js';
import { stopCluster } from './sandbox-postgres.js';
import { stopDetachedServices } from './sandbox-services.js';
import { stopSshd } from './sandbox-ssh.js';
import { readState, withSandboxLock } from './sandbox-state.js';
import { stopSupervisord } from './sandbox-supervisor.js';
import { removeSandboxUser } from './sandbox-user.js';

/** What `down` did. */
export interface DownReport {
  dir: string;
  /** Components stopped through their pid files. */
  stopped: Array<{ component: string; pid: number }>;
  /** Processes of the sandbox found by scanning, and signalled. */
  leftovers: number[];
  removedDir: boolean;
  user?: { name: string; removed: boolean; reason?: string };
}

/**
 * `recio sandbox down`: stops every process of the sandbox (by pid file, then by scanning for any
 * process naming its directory), removes the directory, and removes the OS user if this sandbox
 * made it. A directory without the sandbox marker is refused: `down` never deletes a stranger's.
 */
export async function sandboxDown(dir: string): Promise<DownReport> {
  const paths = sandboxPaths(dir);
  const report: DownReport = { dir: paths.dir, stopped: [], leftovers: [], removedDir: false };
  if (!existsSync(paths.dir)) {
    report.leftovers = await killLeftovers(paths.dir);
    return report;
  }
  if (!existsSync(paths.marker) && !existsSync(paths.state)) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `${paths.dir} is not a recio sandbox (no ${paths.marker}): not removing it`,
    );
  }
  return withSandboxLock(paths, async () => {
    const state = readState(paths);
    const add = (component: string, pid: number | undefined) =>
      pid !== undefined && report.stopped.push({ component, pid });
    // supervisord first: its programs would otherwise log a burst of connection errors as the DB goes.
    add('supervisord', await stopSupervisord(paths));
    add('sshd', await stopSshd(paths));
    report.stopped.push(...(await stopDetachedServices(paths)));
    add('postgres', await stopCluster(paths));
    report.leftovers = await killLeftovers(paths.dir);
    rmSync(paths.dir, { recursive: true, force: true });
    report.removedDir = !existsSync(paths.dir);
    if (state !== undefined) report.user = { name: state.user.name, ...(await removeSandboxUser(state.user)) };
    return report;
  });
}

export function formatDownReport(report: DownReport): string[] {
  const lines = report.stopped.map((s) => `stopped ${s.component} (pid ${s.pid})`);
  if (report.leftovers.length > 0)
    lines.push(`killed ${report.leftovers.length} leftover process(es): ${report.leftovers.join(', ')}`);
  lines.push(report.removedDir ? `removed ${report.dir}` : `nothing at ${report.dir}`);
  if (report.user !== undefined)
    lines.push(
      report.user.removed
        ? `removed user ${report.user.name}`
        : `kept user ${report.user.name} (${report.user.reason ?? 'reused'})`,
    );
  return lines;
}
