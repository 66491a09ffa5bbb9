import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { supervisordCall } from '@recio/agent/supervisor-rpc';
import { parseSupervisorStatus, statusFromProcessInfo, type ProgramStatus } from '@recio/agent/supervisor-status';

const STAND_IN = resolve(import.meta.dirname, 'fixtures/stand-in-service.mjs');
const STAND_IN_GATE = resolve(import.meta.dirname, 'fixtures/stand-in-gate.sh');
const START_SECS = 1;
const START_RETRIES = 2;
const STOP_WAIT_SECS = 3;

/**
 * How long a program may take to settle (RUNNING, or FATAL after its retries), from its config:
 * each try up to startsecs, supervisord's backoff of 1 s, 2 s, … before retry n, and a stop; three
 * times that for a machine three times slower, and 15 s for starting processes on a loaded one.
 */
export function settleDeadlineMs(startSecs = START_SECS, startRetries = START_RETRIES, stopWaitSecs = STOP_WAIT_SECS) {
  const backoff = (startRetries * (startRetries + 1)) / 2;
  return 3 * ((startRetries + 1) * startSecs + backoff + stopWaitSecs) * 1000 + 15_000;
}
const EVENT_LISTENER = resolve(import.meta.dirname, '../../packages/agent/dist/event-listener.js');

export interface Supervisord {
  dir: string;
  configPath: string;
  /** Its unix socket, where supervisorctl (and the agent's XML-RPC) reach it. */
  socket: string;
  /** argv prefix for supervisorctl against this instance, for an agent config. */
  supervisorctl: string[];
  status(): Promise<ProgramStatus[]>;
  program(name: string): Promise<ProgramStatus>;
  /** Makes a stand-in crash at every start ("crash"), at its next N starts (N), or run normally ("ok"). */
  setMode(name: string, mode: 'crash' | 'ok' | number): Promise<void>;
  waitFor(name: string, state: ProgramStatus['state'], timeoutMs?: number): Promise<ProgramStatus>;
  stop(): Promise<void>;
}

/**
 * A real supervisord with its own config and socket in a temp dir, running stand-in programs named
 * like REC.IO's. The socket is world-writable so the agent, running as the test user, can use it.
 */
export interface SupervisordOptions {
  /** A release checkout the stand-ins read at start: they crash when its CRASH_ON_START lists them. */
  releaseDir?: string;
  /** Runs recio-event-listener as a supervisord event listener writing to this spool. */
  eventsSpool?: string;
  /** Basic auth on the socket ([unix_http_server] username/password), given to supervisorctl too. */
  auth?: { username: string; password: string };
}

export async function startSupervisord(
  dir: string,
  programs: readonly string[] = RECIO_PROGRAMS,
  options: SupervisordOptions = {},
): Promise<Supervisord> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'modes'), { recursive: true });
  await chmod(dir, 0o755);
  const socket = join(dir, 'supervisor.sock');
  const sections = programs.map((name) =>
    [
      `[program:${name}]`,
      `command=/bin/sh ${STAND_IN_GATE} ${process.execPath} ${STAND_IN} ${name} ${dir}` +
        `${options.releaseDir === undefined ? '' : ` ${options.releaseDir}`}`,
      'autostart=true',
      'autorestart=true',
      `startsecs=${START_SECS}`,
      `startretries=${START_RETRIES}`,
      `stopwaitsecs=${STOP_WAIT_SECS}`,
      'redirect_stderr=true',
      `stdout_logfile=${join(dir, 'logs', `${name}.log`)}`,
    ].join('\n'),
  );
  if (options.eventsSpool !== undefined) {
    sections.push(
      [
        '[eventlistener:recio_events]',
        `command=${process.execPath} ${EVENT_LISTENER} --spool ${options.eventsSpool}`,
        'events=PROCESS_STATE_FATAL,PROCESS_STATE_BACKOFF,PROCESS_STATE_EXITED',
        'buffer_size=100',
        `stderr_logfile=${join(dir, 'logs', 'recio_events.err')}`,
      ].join('\n'),
    );
  }
  const config = [
    '[unix_http_server]',
    `file=${socket}`,
    'chmod=0777',
    ...(options.auth ? [`username=${options.auth.username}`, `password=${options.auth.password}`] : []),
    '[supervisord]',
    `logfile=${join(dir, 'supervisord.log')}`,
    `pidfile=${join(dir, 'supervisord.pid')}`,
    `childlogdir=${join(dir, 'logs')}`,
    'nodaemon=true',
    ...(process.getuid?.() === 0 ? ['user=root'] : []),
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${socket}`,
    ...(options.auth ? [`username=${options.auth.username}`, `password=${options.auth.password}`] : []),
    ...sections,
  ].join('\n');
  const configPath = join(dir, 'supervisord.conf');
  await writeFile(configPath, `${config}\n`, { mode: 0o644 });
  const child: ResultPromise = execa('supervisord', ['-c', configPath], { reject: false, stdio: 'ignore' });
  const supervisorctl = ['supervisorctl', '-c', configPath];

  const endpoint = { socket, ...(options.auth ?? {}) };
  const rpc = (method: string, params: unknown[] = []) =>
    supervisordCall(endpoint, method, params, { signal: new AbortController().signal, timeoutMs: 10_000 });
  // supervisord's own XML-RPC answer (what supervisorctl prints, parsed by the same parser): a poll
  // costs a socket round trip, not a Python start (a third of a second of CPU each). supervisorctl
  // is asked only when the socket does not answer, so a test that broke supervisord sees what it did.
  const allStatus = async (): Promise<ProgramStatus[]> => {
    const answer = await rpc('supervisor.getAllProcessInfo');
    const parsed =
      answer.kind === 'value'
        ? statusFromProcessInfo(answer.value)
        : parseSupervisorStatus(
            (await execa(supervisorctl[0]!, supervisorctl.slice(1).concat('status'), { reject: false })).stdout,
          );
    return parsed?.programs ?? [];
  };
  // The stand-ins only: the event listener is the host's plumbing, not one of REC.IO's programs.
  const status = async () => (await allStatus()).filter((p) => programs.includes(p.name));
  const program = async (name: string) => {
    const found = (await status()).find((p) => p.name === name);
    if (found === undefined) throw new Error(`supervisord has no program ${name}`);
    return found;
  };
  const waitFor = async (name: string, state: ProgramStatus['state'], timeoutMs = settleDeadlineMs()) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = (await status()).find((p) => p.name === name);
      if (found?.state === state) return found;
      if (Date.now() > until)
        throw new Error(`${name} did not reach ${state} within ${timeoutMs} ms (last: ${found?.state ?? 'absent'})`);
      await sleep(100);
    }
  };
  // Every program RUNNING, read in one status per round (a round per program cost a second or two a host).
  const started = Date.now() + settleDeadlineMs();
  for (;;) {
    const seen = await status();
    if (programs.every((name) => seen.some((p) => p.name === name && p.state === 'RUNNING'))) break;
    if (Date.now() > started) {
      const states = programs.map((n) => `${n}: ${seen.find((p) => p.name === n)?.state ?? 'absent'}`);
      throw new Error(`supervisord's programs did not all reach RUNNING (${states.join(', ')})`);
    }
    await sleep(100);
  }
  /**
   * A test host is torn down, not shut down: supervisord's own shutdown reaps its children on its
   * one-second tick (2–4 s a host, a few minutes over the suite). Its programs are marked stopping
   * (so none is restarted), killed, and seen reaped by supervisord itself (no zombie is left to
   * init); then supervisord, with nothing left to wait for, exits at once.
   */
  const stop = async () => {
    const listed = await rpc('supervisor.getAllProcessInfo');
    if (listed.kind === 'value' && Array.isArray(listed.value)) {
      const pids = (listed.value as Array<{ pid?: number }>).map((p) => p.pid ?? 0).filter((pid) => pid > 0);
      await rpc('supervisor.stopAllProcesses', [false]);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone: supervisord reaped it.
        }
      }
      const deadline = Date.now() + settleDeadlineMs();
      while (Date.now() < deadline) {
        const now = await rpc('supervisor.getAllProcessInfo');
        if (now.kind !== 'value' || (now.value as Array<{ pid?: number }>).every((p) => !p.pid)) break;
        await sleep(20);
      }
    }
    child.kill('SIGTERM');
    await child;
  };

  return {
    dir,
    configPath,
    socket,
    supervisorctl,
    status,
    program,
    waitFor,
    setMode: async (name, mode) => {
      if (mode === 'ok') await rm(join(dir, 'modes', name), { force: true });
      else await writeFile(join(dir, 'modes', name), String(mode));
    },
    stop,
  };
}
