import { readdirSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { execa } from 'execa';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** A unix account, by name and ids. */
export interface UnixAccount {
  name: string;
  uid: number;
  gid: number;
}

/** The unix account the sandbox's REC.IO runs as and the agent logs in as. */
export interface SandboxUser extends UnixAccount {
  /** This sandbox made the account, so `down` removes it. */
  created: boolean;
}

export const DEFAULT_SANDBOX_USER = 'recio-sbx';
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export const isRoot = (): boolean => process.getuid?.() === 0;

async function lookup(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const uid = await execa('id', ['-u', name], { reject: false });
  const gid = await execa('id', ['-g', name], { reject: false });
  if (uid.exitCode !== 0 || gid.exitCode !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * As root: the dedicated account (made with /bin/sh, like a real agent install, or reused), so the
 * agent meets the same permissions it meets on a host. Not root: ourselves, since we cannot switch.
 */
export async function ensureSandboxUser(name: string, homeDir: string): Promise<SandboxUser> {
  if (!isRoot()) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid, created: false };
  }
  if (!USER_NAME.test(name) || name === 'root') {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `the sandbox user must be a unix user name other than root, got ${JSON.stringify(name)}`,
    );
  }
  let created = false;
  let found = await lookup(name);
  if (found === undefined) {
    const made = await execa(
      'useradd',
      ['--system', '--user-group', '--shell', '/bin/sh', '--home-dir', homeDir, '--no-create-home', name],
      { reject: false },
    );
    found = await lookup(name);
    // Two sandboxes may race to make it; the loser finds it there and does not own it.
    if (found === undefined)
      throw new RecioError(
        ErrorCode.ActionFailed,
        `useradd ${name} failed: ${made.stderr.trim() || made.shortMessage}`,
      );
    created = made.exitCode === 0;
  }
  // With UsePAM no, sshd refuses an account whose password field starts with "!" (locked).
  await execa('usermod', ['-p', '*', name]);
  return { name, ...found, created };
}

/**
 * Pids of live processes running as `uid`. Zombies do not count: they are dead, and where pid 1
 * does not reap (some containers) they linger after `down` killed them.
 */
export function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statSync(`/proc/${entry}`).uid !== uid) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

/** Removes an account this sandbox made, unless something still runs as it (another sandbox reusing it). */
export async function removeSandboxUser(user: SandboxUser): Promise<{ removed: boolean; reason?: string }> {
  if (!user.created || !isRoot()) return { removed: false, reason: 'not made by this sandbox' };
  if ((await lookup(user.name)) === undefined) return { removed: true };
  const running = processesOf(user.uid);
  if (running.length > 0) return { removed: false, reason: `still in use by pid ${running.slice(0, 5).join(', ')}` };
  // userdel counts zombies as users of the account: give a dying process a moment to be reaped.
  let reason = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const run = await execa('userdel', [user.name], { reject: false });
    if (run.exitCode === 0) return { removed: true };
    reason = run.stderr.trim() || (run.shortMessage ?? 'userdel failed');
    if (!/currently used by process/.test(reason)) break;
    await new Promise((done) => setTimeout(done, 300));
  }
  return { removed: false, reason };
}

/** execa options that run a command as the sandbox user (nothing to switch when we are that user). */
export function asUser(
  user: UnixAccount,
  homeDir: string,
): { uid?: number; gid?: number; env: Record<string, string> } {
  const env = { HOME: homeDir, USER: user.name, LOGNAME: user.name };
  return isRoot() && user.uid !== 0 ? { uid: user.uid, gid: user.gid, env } : { env };
}
