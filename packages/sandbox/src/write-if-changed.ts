import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { UnixAccount } from './sandbox-user.js';
import { isRoot } from './sandbox-user.js';

/**
 * Writes the file only when its content differs, so a second `up` leaves every file (and its
 * mtime) as it was. Returns whether it wrote. Written whole then renamed: a reader never sees half.
 */
export function writeIfChanged(path: string, text: string, mode = 0o644): boolean {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // No such file yet: it will be written.
    current = undefined;
  }
  if (current === text) {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
    return false;
  }
  writeFileSync(`${path}.tmp`, text, { mode });
  chmodSync(`${path}.tmp`, mode);
  renameSync(`${path}.tmp`, path);
  return true;
}

/** A directory with this mode, owned by the sandbox user when `owner` is given (and we can chown). */
export function ensureDir(path: string, mode: number, owner?: UnixAccount): void {
  mkdirSync(path, { recursive: true, mode });
  const stat = statSync(path);
  if ((stat.mode & 0o7777) !== mode) chmodSync(path, mode);
  if (owner !== undefined && isRoot() && (stat.uid !== owner.uid || stat.gid !== owner.gid))
    chownSync(path, owner.uid, owner.gid);
}

/** chown to the sandbox user, when we are root (otherwise everything is ours already). */
export function giveTo(path: string, owner: UnixAccount, groupOnly = false): void {
  if (!isRoot()) return;
  if (groupOnly) chownSync(path, 0, owner.gid);
  else chownSync(path, owner.uid, owner.gid);
}
