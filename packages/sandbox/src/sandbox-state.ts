import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { isAlive, processStartTime } from '@recio/os/processes';
import type { SandboxPaths } from './sandbox-paths.js';
import { writeIfChanged } from './write-if-changed.js';

export const PROVIDERS = ['kalshi', 'coinbase'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const Port = z.number().int().min(1024).max(65535);

/** The knobs that make a sandbox quick enough for tests and drills; defaults are the production-like ones. */
export const SandboxTuning = z.strictObject({
  /** How often btc_price_watchdog and kalshi_api_watchdog write a row. */
  btcIntervalMs: z.number().int().min(100).default(1000),
  kalshiIntervalMs: z.number().int().min(100).default(2000),
  heartbeatMs: z.number().int().min(100).default(2000),
  /** A program gives up (exits 2, supervisord restarts it) after the database is unreachable this long. */
  dbGraceSeconds: z.number().min(1).default(10),
  /** …and after its provider failed this long: the plan's "may need restart if >15min downtime". */
  providerGraceSeconds: z.number().min(1).default(900),
  apiTimeoutMs: z.number().int().min(100).default(3000),
  /** The web UI's /health answers 503 once the newest feed row is older than this. */
  webMaxFeedAgeSeconds: z.number().min(1).default(30),
  /** deploy.settleSeconds in the sandbox's agent config. */
  deploySettleSeconds: z.number().int().min(0).max(600).default(10),
});
export type SandboxTuning = z.infer<typeof SandboxTuning>;

export const ActiveFault = z.strictObject({
  scenario: z.string(),
  variant: z.string(),
  /** The program, provider or table the fault hit. */
  target: z.string(),
  /** What to put back on heal (the tag checked out before a bad release). */
  previous: z.string().optional(),
  at: z.string(),
});
export type ActiveFault = z.infer<typeof ActiveFault>;

/**
 * What a sandbox is, decided once by its first `up` and read by every later command. It holds the
 * database passwords, so the file is 0600 and belongs to whoever ran `up`.
 */
export const SandboxState = z.strictObject({
  version: z.literal(1),
  createdAt: z.string(),
  user: z.strictObject({ name: z.string(), uid: z.number().int(), gid: z.number().int(), created: z.boolean() }),
  ports: z.strictObject({ postgres: Port, ssh: Port, web: Port, kalshi: Port, coinbase: Port }),
  db: z.strictObject({
    binDir: z.string(),
    database: z.string(),
    user: z.string(),
    password: z.string(),
    adminUser: z.string(),
    adminPassword: z.string(),
  }),
  tuning: SandboxTuning,
  faults: z.array(ActiveFault).default([]),
});
export type SandboxState = z.infer<typeof SandboxState>;
export type SandboxPorts = SandboxState['ports'];

export function readState(paths: SandboxPaths): SandboxState | undefined {
  let text: string;
  try {
    text = readFileSync(paths.state, 'utf8');
  } catch {
    // No state file: no sandbox here.
    return undefined;
  }
  const parsed = SandboxState.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      `${paths.state} is not a sandbox state file: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}

export function requireState(paths: SandboxPaths): SandboxState {
  const state = readState(paths);
  if (state === undefined)
    throw new RecioError(
      ErrorCode.NotFound,
      `no sandbox at ${paths.dir} (run \`recio sandbox up --dir ${paths.dir}\`)`,
    );
  return state;
}

/** Whole file then rename (a crash mid-write must not lose the passwords), and only when it changed. */
export function writeState(paths: SandboxPaths, state: SandboxState): void {
  writeIfChanged(paths.state, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/**
 * Serialises commands that change one sandbox (`up`, `break`, `heal`, `down`): two of them at once
 * would both pick ports or both flip a fault. A lock left by a dead process is taken over.
 */
export async function withSandboxLock<T>(paths: SandboxPaths, work: () => Promise<T>): Promise<T> {
  const me = JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(paths.lock, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(paths.lock);
    // An unreadable lock may be one being written this instant: only an old one counts as dead.
    const busy =
      holder === undefined
        ? ageMs(paths.lock) < 2_000
        : isAlive(holder.pid) && processStartTime(holder.pid) === holder.startTime;
    if (busy) {
      if (attempt > 1200)
        throw new RecioError(
          ErrorCode.Locked,
          `sandbox ${paths.dir} is busy: process ${holder?.pid ?? '?'} holds ${paths.lock}`,
        );
      await new Promise((done) => setTimeout(done, 100));
      continue;
    }
    try {
      unlinkSync(paths.lock);
    } catch {
      // Someone else took it over first.
    }
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(paths.lock);
    } catch {
      // Removed with the directory by `down`.
    }
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    // No such file: as old as can be.
    return Infinity;
  }
}

function readHolder(file: string): { pid: number; startTime?: string } | undefined {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; startTime?: unknown };
    return typeof raw.pid === 'number'
      ? { pid: raw.pid, ...(typeof raw.startTime === 'string' ? { startTime: raw.startTime } : {}) }
      : undefined;
  } catch {
    // No lock file, or a half-written one: nobody holds it.
    return undefined;
  }
}
