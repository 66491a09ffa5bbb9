import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { parseSupervisorStatus, type ProgramStatus } from '@recio/agent/supervisor-status';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { livePid, spawnDetached, stopPid } from './detached-process.js';
import { requireProgram, scriptArgv } from './sandbox-binaries.js';
import { logFileOf, pidFileOf, type SandboxPaths } from './sandbox-paths.js';
import { isRoot, type UnixAccount } from './sandbox-user.js';
import { writeIfChanged } from './write-if-changed.js';

/**
 * A program that dies within startsecs did not start: BACKOFF, and FATAL after startretries. A
 * crash at start takes 0.14 s of CPU here; 3 s was once not enough on a loaded two-core machine
 * (supervisord saw the programs RUNNING, then exited, and restarted them for ever instead of
 * giving up), so a start has to stall 5 s before a crash counts as a run.
 */
export const PROGRAM_START_LIMITS = { startsecs: 5, startretries: 3 } as const;

/** supervisorctl against the sandbox's supervisord, for its agent config and for us. */
export function supervisorctlArgv(paths: SandboxPaths): string[] {
  return [requireProgram('supervisorctl', 'supervisor'), '-c', paths.supervisorConfig];
}

/**
 * supervisord's config: its own socket, the six programs run as the REC.IO user from the release
 * checkout. As root, supervisord itself stays root (as on a real host) and the socket is opened to
 * the REC.IO user's group, which is how the agent's account reaches it without sudo.
 */
export function renderSupervisorConfig(paths: SandboxPaths, user: UnixAccount): string {
  const root = isRoot();
  const programs = RECIO_PROGRAMS.map((name) =>
    [
      `[program:${name}]`,
      `command=${scriptArgv('recio-program', name, '--repo', paths.repo, '--faults', paths.faultsDir).join(' ')}`,
      `directory=${paths.repo}`,
      ...(root ? [`user=${user.name}`] : []),
      `environment=HOME="${paths.homeDir}",USER="${user.name}"`,
      'autostart=true',
      'autorestart=true',
      `startsecs=${PROGRAM_START_LIMITS.startsecs}`,
      `startretries=${PROGRAM_START_LIMITS.startretries}`,
      'stopwaitsecs=5',
      'stopasgroup=true',
      'killasgroup=true',
      'redirect_stderr=true',
      `stdout_logfile=${join(paths.programLogsDir, `${name}.log`)}`,
      'stdout_logfile_maxbytes=1MB',
      'stdout_logfile_backups=2',
    ].join('\n'),
  );
  return [
    '; Written by `recio sandbox up`.',
    '[unix_http_server]',
    `file=${paths.supervisorSocket}`,
    ...(root ? ['chmod=0770', `chown=0:${user.gid}`] : ['chmod=0700']),
    '[supervisord]',
    `logfile=${logFileOf(paths, 'supervisord')}`,
    'logfile_maxbytes=1MB',
    `pidfile=${pidFileOf(paths, 'supervisord')}`,
    `childlogdir=${paths.programLogsDir}`,
    'identifier=recio-sandbox',
    'nodaemon=true',
    ...(root ? ['user=root'] : []),
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${paths.supervisorSocket}`,
    ...programs,
    '',
  ].join('\n\n');
}

export async function programStatus(paths: SandboxPaths): Promise<ProgramStatus[] | undefined> {
  const [file, ...args] = supervisorctlArgv(paths);
  const run = await execa(file!, [...args, 'status'], { reject: false, timeout: 10_000 });
  const { programs } = parseSupervisorStatus(run.stdout);
  return programs.length === 0 ? undefined : programs;
}

export async function supervisorctl(paths: SandboxPaths, ...args: string[]): Promise<string> {
  const [file, ...base] = supervisorctlArgv(paths);
  const run = await execa(file!, [...base, ...args], { reject: false, timeout: 60_000 });
  return `${run.stdout}${run.stderr}`.trim();
}

/** Starts supervisord (or, if it runs, applies a changed config); returns whether it started it. */
export async function ensureSupervisord(
  paths: SandboxPaths,
  user: UnixAccount,
): Promise<'started' | 'running' | 'updated'> {
  const changed = writeIfChanged(paths.supervisorConfig, renderSupervisorConfig(paths, user), 0o644);
  if (livePid(pidFileOf(paths, 'supervisord'), paths.dir) !== undefined) {
    if (!changed) return 'running';
    await supervisorctl(paths, 'reread');
    await supervisorctl(paths, 'update');
    return 'updated';
  }
  const binary = requireProgram('supervisord', 'supervisor');
  spawnDetached({
    argv: [...hostPriority(), binary, '-n', '-c', paths.supervisorConfig],
    pidFile: pidFileOf(paths, 'supervisord'),
    logFile: logFileOf(paths, 'supervisord-stdout'),
    dir: paths.dir,
  });
  return 'started';
}

/**
 * The sandbox stands for a REC.IO host, whose programs have its CPUs to themselves. Here they share
 * two cores with the test files around them: a crash at start (0.2 s alone) took 4 s with 32
 * processes runnable, and past startsecs supervisord counts it as a run and restarts it for ever
 * (never FATAL), which is not the fault being drilled. As root, supervisord and the programs it
 * forks run at nice -10 (0.8 s under the same load); elsewhere they run as they are.
 */
function hostPriority(): string[] {
  return isRoot() ? [requireProgram('nice', 'coreutils'), '-n', '-10'] : [];
}

/** Waits until every program is RUNNING; a FATAL one ends the wait early with its log's tail. */
export async function waitForPrograms(
  paths: SandboxPaths,
  timeoutMs: number,
  names: readonly string[] = RECIO_PROGRAMS,
): Promise<ProgramStatus[]> {
  const until = Date.now() + timeoutMs;
  let last: ProgramStatus[] = [];
  for (;;) {
    last = (await programStatus(paths)) ?? [];
    const wanted = names.map((n) => last.find((p) => p.name === n));
    if (wanted.every((p) => p?.state === 'RUNNING')) return last;
    const fatal = wanted.find((p) => p?.state === 'FATAL');
    if (fatal !== undefined || Date.now() > until) {
      const bad = wanted
        .map((p, i) => p ?? { name: names[i]!, state: 'UNKNOWN' as const, description: 'not known to supervisord' })
        .filter((p) => p.state !== 'RUNNING');
      const tail =
        fatal === undefined
          ? ''
          : `\n${await supervisorctl(paths, 'tail', fatal.name)}`.split('\n').slice(-5).join('\n');
      throw new RecioError(
        ErrorCode.ActionFailed,
        `programs not RUNNING: ${bad.map((p) => `${p.name} ${p.state}`).join(', ')}${tail}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Starts the programs that gave up (FATAL) or were stopped: supervisord never retries those by
 * itself. Returns them as they were.
 */
export async function startStuckPrograms(paths: SandboxPaths): Promise<ProgramStatus[]> {
  const stuck = ((await programStatus(paths)) ?? []).filter(
    (p) => p.state === 'FATAL' || p.state === 'STOPPED' || p.state === 'EXITED',
  );
  for (const p of stuck) await supervisorctl(paths, 'start', p.name);
  return stuck;
}

/** supervisord stops its programs on SIGTERM (stopasgroup: their children too). */
export async function stopSupervisord(paths: SandboxPaths): Promise<number | undefined> {
  const pid = livePid(pidFileOf(paths, 'supervisord'), paths.dir);
  if (pid !== undefined) await stopPid(pid, 'SIGTERM', 20_000);
  return pid;
}
