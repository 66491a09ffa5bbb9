import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * File operations for an installer running as root on a host where another account (the agent's)
 * may be hostile: nothing here follows a symlink, and ownership and mode are set through the open
 * handle (fchown/fchmod), never by path, so a link planted between a check and a change cannot
 * redirect root's write or chown to another file.
 */

/** Who must not own what the installer writes into: the agent's account (by uid, once it exists). */
export interface Guard {
  /** The account's name, for messages. */
  account: string;
  uid: number | undefined;
}

const NOFOLLOW = constants.O_NOFOLLOW;

function refused(message: string): RecioError {
  return new RecioError(ErrorCode.InvalidParams, message);
}

/** Opens without following a final symlink; a symlink there is refused by name. */
async function openNoFollow(path: string, flags: number, what: string): Promise<FileHandle> {
  try {
    return await open(path, flags | NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw refused(`${path} is a symlink: refusing to ${what} through it (remove it, then run the install again)`);
    throw error;
  }
}

/**
 * The directory a file is about to be created in must be a real directory, not writable by the
 * account: otherwise the account could swap what root is writing.
 */
export async function checkParent(path: string, guard: Guard | undefined): Promise<void> {
  const parent = dirname(path);
  const stat = await lstat(parent);
  if (stat.isSymbolicLink()) throw refused(`${parent} is a symlink: refusing to write ${basename(path)} through it`);
  if (!stat.isDirectory()) throw refused(`${parent} is not a directory`);
  if (guard?.uid !== undefined && stat.uid === guard.uid)
    throw refused(
      `${parent} is owned by ${guard.account}: refusing to write ${basename(path)} where that account could replace it`,
    );
}

/**
 * Writes `content` to `path` whole or not at all: a new file with a random name beside it, created
 * with O_EXCL|O_NOFOLLOW (so nothing already there, link or file, is opened), owner and mode set on
 * the handle, synced, then renamed over the target (rename replaces a link, never follows it).
 */
export async function writeFileSafely(
  path: string,
  content: string,
  mode: number,
  ids: { uid: number; gid: number },
  guard: Guard | undefined,
  check?: (temp: string) => Promise<void>,
): Promise<void> {
  await checkParent(path, guard);
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing?.isSymbolicLink())
    throw refused(`${path} is a symlink: refusing to replace it (remove it, then run the install again)`);
  // A dot name: sudo skips dot files in sudoers.d while the drop-in is checked.
  const temp = join(dirname(path), `.${basename(path)}.recio-${randomBytes(12).toString('hex')}`);
  const handle = await openNoFollow(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 'write');
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(content);
      await handle.chown(ids.uid, ids.gid);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await check?.(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** chown/chmod through a handle opened without following links: a file, or a directory. */
export async function setAttributesSafely(
  path: string,
  mode: number,
  ids: { uid: number; gid: number },
  kind: 'file' | 'dir',
): Promise<void> {
  const flags = constants.O_RDONLY | (kind === 'dir' ? constants.O_DIRECTORY : 0) | constants.O_NONBLOCK;
  const handle = await openNoFollow(path, flags, 'chown/chmod');
  try {
    await handle.chown(ids.uid, ids.gid);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

/** mkdir (missing parents 0755, root's), then owner and mode on the new directory's handle. */
export async function makeDirSafely(path: string, mode: number, ids: { uid: number; gid: number }, guard?: Guard) {
  // Missing parents get 0755 (root's): a 0750 parent would lock the agent's user out of its own dir.
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await checkParent(path, guard);
  // mkdir fails on anything already there, a planted link included.
  await mkdir(path, { mode: 0o700 });
  await setAttributesSafely(path, mode, ids, 'dir');
}
