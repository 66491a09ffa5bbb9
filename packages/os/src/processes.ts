import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The kernel's start time of a process (clock ticks since boot), or undefined if it is gone.
 * A pid alone is not an identity: after a crash, in a container, the next bot often gets the
 * same pid, so a pid file records both.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    // No such process any more (or /proc hides it): the caller treats it as gone.
    return undefined;
  }
}

/** The argv of a live process, or undefined. */
export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch {
    // No such process any more.
    return undefined;
  }
}

/** The process's working directory, if it can be read (gone, or another user's without root: undefined). */
export function processCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Waits until the process is gone; false if it is still there after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || isZombie(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    // No such process: not a zombie either.
    return false;
  }
}

/**
 * Stops a postmaster the way pg_ctl does, escalating: SIGINT (fast shutdown: clients cut off,
 * checkpoint written), then SIGQUIT (immediate: crash recovery at next start), then SIGKILL.
 */
export async function stopPostmaster(pid: number, fastTimeoutMs = 30_000): Promise<void> {
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', fastTimeoutMs],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, timeoutMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: the postmaster has exited; nothing left to stop.
      return;
    }
    if (await waitForExit(pid, timeoutMs)) return;
  }
}

/**
 * The pids whose parent is `pid` (a postmaster's backends and workers: each in its own session, so not
 * reachable as a process group).
 */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return children;
}

/** The parent pid of a live process, or undefined. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    // No such process any more.
    return undefined;
  }
}
