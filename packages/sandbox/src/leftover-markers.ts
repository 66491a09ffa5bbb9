import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';
import { isAlive, processStartTime } from '@recio/os/processes';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { findLeftovers, killLeftovers } from './leftovers.js';
import { sandboxDown } from './sandbox-down.js';
import { processesOf } from './sandbox-user.js';

/**
 * Markers for what a short-lived process (a test file, a drill) starts and must not outlive it: a
 * sandbox, a temp dir whose processes (sshd, supervisord) name it in their argv, an OS account, a
 * database. Each marker names its owner by pid and kernel start time; a run killed half-way leaves
 * markers whose owner is gone, and the next start (or `recio sandbox down --leftovers`) reaps them.
 */
export type MarkerKind = 'sandbox' | 'dir' | 'user' | 'database';

export interface Marker {
  kind: MarkerKind;
  /** The sandbox or temp dir, the account name, or the database name. */
  ref: string;
  ownerPid: number;
  ownerStart: string;
  createdAt: string;
}

export interface RecordedMarker {
  file: string;
  /** The owner cleaned up itself: forget the marker. */
  release(): void;
}

export interface ReapedMarker {
  marker: Marker;
  ok: boolean;
  detail: string;
}

const ACCOUNT = /^recio-[a-z0-9_-]{1,26}$/;
const DATABASE = /^recio_[a-z0-9_]{1,56}$/;

/** The markers' directory: root's own (0700), so nobody else can plant one that makes root kill or delete. */
export function markerDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.RECIO_LEFTOVER_DIR || join(tmpdir(), `recio-leftovers-${process.getuid?.() ?? 0}`));
}

function ensureOwnDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkOwnDir(dir);
}

function checkOwnDir(dir: string): void {
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `${dir} must be a directory of ours with mode 0700 (a symlink or another user's dir is refused)`,
    );
  }
}

/** Records that `ref` belongs to this process (or `ownerPid`) until it calls `release()`. */
export function recordMarker(kind: MarkerKind, ref: string, ownerPid = process.pid): RecordedMarker {
  const dir = markerDir();
  ensureOwnDir(dir);
  const marker: Marker = {
    kind,
    ref,
    ownerPid,
    ownerStart: processStartTime(ownerPid) ?? '',
    createdAt: new Date().toISOString(),
  };
  const file = join(dir, `${kind}-${ownerPid}-${randomBytes(6).toString('hex')}.json`);
  const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(marker)}\n`);
  } finally {
    closeSync(fd);
  }
  return { file, release: () => rmSync(file, { force: true }) };
}

export function listMarkers(dir = markerDir()): Array<Marker & { file: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // No markers dir yet: nothing was ever recorded here.
    return [];
  }
  const found: Array<Marker & { file: string }> = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(dir, name);
    try {
      found.push({ ...(JSON.parse(readFileSync(file, 'utf8')) as Marker), file });
    } catch {
      // Half-written by an owner killed mid-write: nothing it names was started yet.
      rmSync(file, { force: true });
    }
  }
  return found;
}

export function ownerAlive(marker: Marker): boolean {
  return isAlive(marker.ownerPid) && processStartTime(marker.ownerPid) === marker.ownerStart;
}

/**
 * Reaps what each marker names whose owner is gone (or every marker, with `all`), sandboxes first
 * (their accounts are in use until they stop), then temp dirs, accounts and databases.
 */
export async function reapMarkers(options: { all?: boolean; adminDatabaseUrl?: string } = {}): Promise<ReapedMarker[]> {
  const dir = markerDir();
  if (!existsSync(dir)) return [];
  checkOwnDir(dir);
  const order: MarkerKind[] = ['sandbox', 'dir', 'user', 'database'];
  const due = listMarkers(dir)
    .filter((m) => options.all || !ownerAlive(m))
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const reaped: ReapedMarker[] = [];
  for (const marker of due) {
    // The owner undid it itself and died later (a test file's worker): only the marker is left.
    if (
      (marker.kind === 'dir' || marker.kind === 'sandbox') &&
      !existsSync(marker.ref) &&
      !findLeftovers(marker.ref).length
    ) {
      rmSync(marker.file, { force: true });
      continue;
    }
    const result = await reapOne(marker, options.adminDatabaseUrl).catch((error: unknown) => ({
      ok: false,
      detail: error instanceof Error ? error.message : String(error),
    }));
    if (result.ok) rmSync(marker.file, { force: true });
    reaped.push({ marker, ...result });
  }
  return reaped;
}

/** Only what a test or sandbox would have made: a recio temp dir, a recio- account, a recio_ database. */
async function reapOne(marker: Marker, adminUrl?: string): Promise<{ ok: boolean; detail: string }> {
  switch (marker.kind) {
    case 'sandbox': {
      const report = await sandboxDown(marker.ref);
      return { ok: true, detail: `sandbox down: ${report.removedDir ? 'removed' : 'nothing at'} ${report.dir}` };
    }
    case 'dir': {
      const path = resolve(marker.ref);
      if (!basename(path).startsWith('recio-') || !path.startsWith(`${resolve(tmpdir())}/`))
        return { ok: false, detail: `${path} is not a recio temp dir: left alone` };
      const killed = await killLeftovers(path);
      rmSync(path, { recursive: true, force: true });
      return { ok: true, detail: `killed ${killed.length} process(es) naming ${path}, removed it` };
    }
    case 'user': {
      if (!ACCOUNT.test(marker.ref) || process.getuid?.() !== 0)
        return { ok: false, detail: `account ${marker.ref} left alone (not a recio- test account, or not root)` };
      const uid = await execa('id', ['-u', marker.ref], { reject: false });
      if (uid.exitCode !== 0) return { ok: true, detail: `account ${marker.ref} already gone` };
      for (const pid of processesOf(Number(uid.stdout.trim()))) process.kill(pid, 'SIGKILL');
      const removed = await execa('userdel', [marker.ref], { reject: false });
      return removed.exitCode === 0
        ? { ok: true, detail: `removed account ${marker.ref}` }
        : { ok: false, detail: `userdel ${marker.ref}: ${removed.stderr.trim()}` };
    }
    case 'database': {
      if (!DATABASE.test(marker.ref) || adminUrl === undefined)
        return { ok: false, detail: `database ${marker.ref} left alone (not a recio_ test database, or no admin URL)` };
      const dropped = await execa(
        'psql',
        [adminUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `DROP DATABASE IF EXISTS "${marker.ref}" WITH (FORCE)`],
        { reject: false },
      );
      return dropped.exitCode === 0
        ? { ok: true, detail: `dropped database ${marker.ref}` }
        : { ok: false, detail: `drop ${marker.ref}: ${dropped.stderr.trim()}` };
    }
  }
}

export function formatReaped(reaped: ReapedMarker[]): string[] {
  if (reaped.length === 0) return ['no leftovers'];
  return reaped.map(
    (r) => `${r.ok ? 'reaped' : 'kept'} ${r.marker.kind} ${r.marker.ref} (owner pid ${r.marker.ownerPid}): ${r.detail}`,
  );
}
