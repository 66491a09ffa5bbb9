import { lstat, readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** A unix account as the system databases describe it. */
export interface UserState {
  name: string;
  uid: number;
  gid: number;
  /** The primary group's name. */
  group: string;
  home: string;
  shell: string;
  comment: string;
  /** The shadow password field: `*` can never match a password; `!…` is a locked account. */
  passwordField: string;
}

/** What is at a path now; file contents are read for the small files the install manages. */
export interface PathState {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  content?: string;
}

async function getent(database: string, key: string): Promise<string[] | undefined> {
  // getent exits 2 for "no such entry": an answer, not a failure.
  const result = await execa('getent', [database, key], { reject: false });
  if (result.exitCode !== 0) return undefined;
  return result.stdout.split('\n')[0]?.split(':');
}

export async function readUser(name: string): Promise<UserState | undefined> {
  const passwd = await getent('passwd', name);
  if (passwd === undefined) return undefined;
  const [, , uid, gid, comment, home, shell] = passwd;
  const group = await getent('group', gid ?? '');
  const shadow = await getent('shadow', name);
  return {
    name,
    uid: Number(uid),
    gid: Number(gid),
    group: group?.[0] ?? String(gid),
    home: home ?? '',
    shell: shell ?? '',
    comment: comment ?? '',
    passwordField: shadow?.[1] ?? '',
  };
}

export async function uidOf(user: string): Promise<number | undefined> {
  const entry = await getent('passwd', user);
  return entry === undefined ? undefined : Number(entry[2]);
}

export async function gidOf(group: string): Promise<number | undefined> {
  const entry = await getent('group', group);
  return entry === undefined ? undefined : Number(entry[2]);
}

// The files the install manages are a few lines; anything big at such a path is not ours.
const MAX_READ = 1024 * 1024;

export async function readPath(path: string): Promise<PathState | undefined> {
  try {
    const stat = await lstat(path);
    const kind = stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
    const state: PathState = { kind, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
    if (kind === 'file' && stat.size <= MAX_READ) state.content = await readFile(path, 'utf8');
    return state;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Everything the planner needs to know about the host, read once before planning. */
export interface HostState {
  user?: UserState;
  paths: ReadonlyMap<string, PathState | undefined>;
  /** uid of each user and gid of each group the plan names that exists already. */
  uids: ReadonlyMap<string, number>;
  gids: ReadonlyMap<string, number>;
}

export async function readHostState(
  userName: string,
  paths: readonly string[],
  owners: readonly string[],
): Promise<HostState> {
  const user = await readUser(userName);
  const pathStates = new Map<string, PathState | undefined>();
  for (const path of paths) pathStates.set(path, await readPath(path));
  const uids = new Map<string, number>();
  const gids = new Map<string, number>();
  for (const name of new Set([...owners, userName, ...(user ? [user.group] : [])])) {
    const uid = await uidOf(name);
    if (uid !== undefined) uids.set(name, uid);
    const gid = await gidOf(name);
    if (gid !== undefined) gids.set(name, gid);
  }
  return { ...(user ? { user } : {}), paths: pathStates, uids, gids };
}
