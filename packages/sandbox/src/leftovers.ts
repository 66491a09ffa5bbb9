import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, parentPid, processArgv, processCwd } from '@recio/os/processes';
import { argvMentions } from './detached-process.js';

/** Our own pid and our ancestors': `recio sandbox down --dir X` names X too, and must not kill itself. */
function selfAndAncestors(): Set<number> {
  const mine = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && pid > 1 && !mine.has(pid); pid = parentPid(pid))
    mine.add(pid);
  return mine;
}

/**
 * Processes of this sandbox that no pid file accounts for: an agent session still running, a
 * program supervisord lost, a stand-in from an `up` that died half-way. Every process a sandbox
 * starts names the sandbox dir in its argv; that is how they are found. A process working in the
 * dir is one too (a bot a test started there, whose argv names only its own entry point).
 */
export function findLeftovers(dir: string): number[] {
  const exclude = selfAndAncestors();
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (exclude.has(pid)) continue;
    const argv = processArgv(pid);
    const cwd = processCwd(pid);
    if ((argv !== undefined && argvMentions(argv, dir)) || (cwd !== undefined && argvMentions([cwd], dir)))
      found.push(pid);
  }
  return found;
}

/** SIGTERM every leftover, then SIGKILL what is still there after `graceMs`; returns who was signalled. */
export async function killLeftovers(dir: string, graceMs = 3_000): Promise<number[]> {
  const signalled = new Set<number>();
  for (let round = 0; round < 3; round++) {
    const pids = findLeftovers(dir);
    if (pids.length === 0) break;
    for (const pid of pids) {
      signalled.add(pid);
      try {
        process.kill(pid, round === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const until = Date.now() + graceMs;
    while (Date.now() < until && pids.some((pid) => isAlive(pid) && !isZombie(pid))) await sleep(50);
  }
  return [...signalled];
}

function isZombie(pid: number): boolean {
  try {
    return (processArgv(pid) ?? []).length === 0;
  } catch {
    // Unreadable /proc entry: treat the process as a live one, the safer guess.
    return false;
  }
}
