import { execaSync } from 'execa';
import { userInfo } from 'node:os';

/** The unix account test hosts log in as: `recio-test` with /bin/sh when we are root, else ourselves. */
export interface TestUser {
  name: string;
  isRoot: boolean;
}

const TEST_USER = 'recio-test';

function exists(name: string): boolean {
  try {
    execaSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Root's login shell here is bash with a slow .bashrc that runs for every SSH command; a dedicated
 * user with /bin/sh is what a real agent install uses, so tests measure the same thing.
 */
export function ensureTestUser(): TestUser {
  if (process.getuid?.() !== 0) return { name: userInfo().username, isRoot: false };
  if (!exists(TEST_USER)) {
    try {
      execaSync('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER]);
    } catch (error) {
      // Two test files may race to create it; the loser finds it there.
      if (!exists(TEST_USER)) throw error;
    }
  }
  // With UsePAM no, sshd refuses accounts whose password field starts with "!" (locked).
  execaSync('usermod', ['-p', '*', TEST_USER]);
  return { name: TEST_USER, isRoot: true };
}
