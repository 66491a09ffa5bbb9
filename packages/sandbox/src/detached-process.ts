import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAlive, processArgv, processStartTime, waitForExit } from '@recio/os/processes';
import type { UnixAccount } from './sandbox-user.js';
import { isRoot } from './sandbox-user.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** A process `up` started and left running: its pid file records the pid and the kernel's start time. */
export interface PidRecord {
  pid: number;
  startTime?: string;
}

export interface DetachedSpec {
  argv: readonly string[];
  pidFile: string;
  logFile: string;
  /** Every process a sandbox starts names its directory in its argv, so `down` can find leftovers. */
  dir: string;
  runAs?: UnixAccount;
  cwd?: string;
  env?: Record<string, string>;
}

const LOG_ROTATE_BYTES = 5 * 1024 * 1024;

/**
 * Starts a process that outlives the `recio` that started it: its own session and process group
 * (a Ctrl-C or the parent's exit does not reach it), output appended to a log file, no pipe back
 * to us. Returns its pid, also written to the pid file with its start time (pids are reused).
 */
export function spawnDetached(spec: DetachedSpec): number {
  const [file, ...args] = spec.argv;
  if (file === undefined) throw new RecioError(ErrorCode.InvalidParams, 'spawnDetached: empty argv');
  rotate(spec.logFile);
  const fd = openSync(spec.logFile, 'a', 0o644);
  try {
    const switchUser = spec.runAs !== undefined && isRoot() && spec.runAs.uid !== 0;
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: spec.cwd ?? spec.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...spec.env },
      ...(switchUser ? { uid: spec.runAs!.uid, gid: spec.runAs!.gid } : {}),
    });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new RecioError(ErrorCode.ActionFailed, `could not start ${file}`);
    writePidFile(spec.pidFile, child.pid);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function writePidFile(pidFile: string, pid: number): void {
  const record: PidRecord = {
    pid,
    ...(processStartTime(pid) === undefined ? {} : { startTime: processStartTime(pid)! }),
  };
  writeFileSync(pidFile, `${JSON.stringify(record)}\n`, { mode: 0o644 });
}

export function readPidFile(pidFile: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8').trim();
  } catch {
    // No pid file: nothing started.
    return undefined;
  }
  // Our own JSON, or a plain pid (sshd and supervisord write their own pid files that way).
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const raw = JSON.parse(text) as Partial<PidRecord>;
    return typeof raw.pid === 'number'
      ? { pid: raw.pid, ...(typeof raw.startTime === 'string' ? { startTime: raw.startTime } : {}) }
      : undefined;
  } catch {
    // Neither our JSON nor a plain pid: not a pid file we can trust.
    return undefined;
  }
}

/** True when some element of the process's argv is the sandbox dir or a path inside it. */
export function argvMentions(argv: readonly string[], dir: string): boolean {
  return argv.some((arg) => arg === dir || arg.includes(`${dir}/`));
}

/** The pid recorded in the file, if that process is alive, is the one recorded, and is of this sandbox. */
export function livePid(pidFile: string, dir: string): number | undefined {
  const record = readPidFile(pidFile);
  if (record === undefined || !isAlive(record.pid)) return undefined;
  if (record.startTime !== undefined && processStartTime(record.pid) !== record.startTime) return undefined;
  const argv = processArgv(record.pid);
  return argv !== undefined && argvMentions(argv, dir) ? record.pid : undefined;
}

/** SIGTERM (or the given signal), then SIGKILL if it is still there after `graceMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
    return;
  }
  if (await waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: it exited just now.
    return;
  }
  await waitForExit(pid, 2_000);
}

function rotate(logFile: string): void {
  try {
    if (statSync(logFile).size > LOG_ROTATE_BYTES) renameSync(logFile, `${logFile}.1`);
  } catch {
    // No log yet.
  }
}
