import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { storeStartError } from './embedded-cluster.js';
import { isAlive, processStartTime } from '@recio/os/processes';

// The files the store keeps in the data dir beside the cluster.

/** What we remember about the cluster between starts; the password never leaves this file. */
export interface ClusterConfig {
  port: number;
  /** The owner (the cluster's bootstrap role): migrations, grants. */
  user: string;
  password: string;
  database: string;
  /** The bot's runtime role: INSERT and SELECT only on the audit log. Absent in clusters made before it. */
  runtimeUser?: string;
  runtimePassword?: string;
}

export const CONFIG_FILE = 'embedded.json';
export const OWNER_FILE = 'recio-store.pid';
export const CLUSTER_DIR = 'postgres';
export const LOG_FILE = 'postgres.log';

/**
 * Records this process as the one running the data dir's server. Returns the pid of another live
 * process that already does, or undefined once the claim is ours (a record left by a dead process
 * is replaced: pid plus start time, since pids are reused after a crash).
 */
export function claimDataDir(dataDir: string): number | undefined {
  const file = join(dataDir, OWNER_FILE);
  const me = { pid: process.pid, startTime: processStartTime(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const record = readJson<{ pid?: number; startTime?: string }>(file);
    if (record?.pid !== undefined && isAlive(record.pid) && processStartTime(record.pid) === record.startTime)
      return record.pid;
    unlinkQuietly(file);
  }
  throw storeStartError(`cannot claim ${file}: it keeps being rewritten by another process`);
}

export function readConfig(dataDir: string): ClusterConfig | undefined {
  const raw = readJson<Partial<ClusterConfig>>(join(dataDir, CONFIG_FILE));
  if (
    !raw ||
    typeof raw.port !== 'number' ||
    typeof raw.user !== 'string' ||
    typeof raw.password !== 'string' ||
    typeof raw.database !== 'string'
  ) {
    return undefined;
  }
  const runtime =
    typeof raw.runtimeUser === 'string' && typeof raw.runtimePassword === 'string'
      ? { runtimeUser: raw.runtimeUser, runtimePassword: raw.runtimePassword }
      : {};
  return { port: raw.port, user: raw.user, password: raw.password, database: raw.database, ...runtime };
}

export function writeConfig(dataDir: string, config: ClusterConfig): void {
  const file = join(dataDir, CONFIG_FILE);
  // Written whole then renamed: a crash mid-write must not leave a config without a password.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
