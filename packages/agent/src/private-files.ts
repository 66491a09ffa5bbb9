import { chmod, mkdir, open, stat } from 'node:fs/promises';

/**
 * Dumps and archives hold every trade and every secret: 0600 files in a 0700 directory (issue 12
 * item 12). Files are created with that mode before any program writes into them, so there is no
 * moment when a dump is readable by others.
 */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/** The permission bits as `0640`, for messages and the doctor. */
export const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** Group or world may read, write or enter: wider than `max` allows. */
export const widerThan = (mode: number, max: number) => (mode & 0o777 & ~max) !== 0;

/**
 * Makes `dir` (and parents) and narrows it to 0700 when it is wider. Returns a warning instead of
 * failing when it cannot be narrowed (a root-owned dir the agent may only write into): a dump that
 * is taken beats one that is not, and the doctor names the directory until it is fixed.
 */
export async function ensurePrivateDir(dir: string): Promise<string | undefined> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  const info = await stat(dir);
  if (!widerThan(info.mode, PRIVATE_DIR)) return undefined;
  try {
    await chmod(dir, PRIVATE_DIR);
    return undefined;
  } catch (error) {
    return `${dir} is ${octal(info.mode)} and could not be narrowed to 0700: ${(error as Error).message}`;
  }
}

/** Creates an empty 0600 file that must not exist yet (O_EXCL: never someone else's file or link). */
export async function createPrivateFile(path: string): Promise<void> {
  const handle = await open(path, 'wx', PRIVATE_FILE);
  try {
    // The umask can only narrow the mode given to open; chmod on the handle makes it exact.
    await handle.chmod(PRIVATE_FILE);
  } finally {
    await handle.close();
  }
}
