import { execaSync } from 'execa';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { markOwned } from './leftovers.js';

/** The unix account test hosts log in as: the run's own account with /bin/sh when we are root, else ourselves. */
export interface TestUser {
  name: string;
  isRoot: boolean;
}

/** Names the run's account to the test files (set by test/global-setup.ts before the workers start). */
export const TEST_USER_ENV = 'RECIO_TEST_USER';

/**
 * Root's login shell here is bash with a slow .bashrc that runs for every SSH command; a dedicated
 * user with /bin/sh is what a real agent install uses, so tests measure the same thing. The suite
 * makes one account per run; a script outside it (a bench) gets one of its own, removed at its exit.
 */
export function ensureTestUser(): TestUser {
  if (process.getuid?.() !== 0) return { name: userInfo().username, isRoot: false };
  let name = process.env[TEST_USER_ENV];
  if (name === undefined) {
    const account = createRunAccount();
    process.once('exit', () => account.remove());
    process.env[TEST_USER_ENV] = account.name;
    name = account.name;
  }
  return { name, isRoot: true };
}

export interface RunAccount {
  name: string;
  /** Ends what still runs as the account, deletes it and its home. */
  remove(): void;
}

/**
 * An account for one run, `recio-t<hex>`, its home a temp dir: both marked with this process as
 * owner, so a run killed half-way leaves nothing the next run (or `recio sandbox down --leftovers`)
 * does not reap. Two runs at once each have their own, and one's end cannot pull the other's away.
 */
export function createRunAccount(): RunAccount {
  const home = mkdtempSync(join(tmpdir(), 'recio-testuser-'));
  const releaseHome = markOwned('dir', home);
  const name = `recio-t${randomBytes(4).toString('hex')}`;
  const releaseAccount = markOwned('user', name);
  execaSync('useradd', ['--user-group', '--shell', '/bin/sh', '--home-dir', home, '--no-create-home', name]);
  const uid = Number(execaSync('id', ['-u', name]).stdout.trim());
  const gid = Number(execaSync('id', ['-g', name]).stdout.trim());
  chownSync(home, uid, gid);
  chmodSync(home, 0o755);
  // With UsePAM no, sshd refuses accounts whose password field starts with "!" (locked).
  execaSync('usermod', ['-p', '*', name]);
  return {
    name,
    remove() {
      execaSync('pkill', ['-KILL', '-u', name], { reject: false });
      // userdel counts a process being reaped as a user of the account: it is retried a few times.
      for (let attempt = 0; ; attempt++) {
        const removed = execaSync('userdel', [name], { reject: false });
        if (removed.exitCode === 0) break;
        if (attempt >= 20 || !/currently used by process/.test(removed.stderr))
          throw new Error(`userdel ${name}: ${removed.stderr.trim()}`);
        execaSync('sleep', ['0.25']);
      }
      releaseAccount();
      rmSync(home, { recursive: true, force: true });
      releaseHome();
    },
  };
}
