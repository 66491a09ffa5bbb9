import { formatReaped, reapMarkers } from '@recio/sandbox/leftover-markers';

const ADMIN_URL = process.env.RECIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
}

export async function teardown(): Promise<void> {
  await reap('of this run');
}
