import { formatReaped, reapMarkers } from '@recio/sandbox/leftover-markers';
import { createRunAccount, TEST_USER_ENV, type RunAccount } from './support/test-user.js';

const ADMIN_URL = process.env.RECIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let account: RunAccount | undefined;

/**
 * A run killed half-way (a CI limit, Ctrl-C) leaves sandboxes, sshd, supervisord, accounts and
 * databases behind; their markers name a test process that is gone. Reaped before the run, and
 * after it (every worker has exited by then, so whatever a file did not undo is reaped too).
 */
async function reap(when: string): Promise<void> {
  const reaped = await reapMarkers({ adminDatabaseUrl: ADMIN_URL });
  if (reaped.length > 0) console.log(`leftovers ${when}:\n  ${formatReaped(reaped).join('\n  ')}`);
}

export async function setup(): Promise<void> {
  await reap('of an earlier run');
  // The account test hosts log in as, made here so that it is this run's and gone after it; the
  // workers start after this and inherit its name.
  if (process.getuid?.() === 0) {
    account = createRunAccount();
    process.env[TEST_USER_ENV] = account.name;
  }
}

export async function teardown(): Promise<void> {
  account?.remove();
  await reap('of this run');
}
