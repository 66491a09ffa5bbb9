import { randomBytes } from 'node:crypto';
import { isRecioError } from '@recio/protocol/errors';
import type { Logger } from '../observability/logger.js';
import { describeError } from '../operations/operations.js';
import type { Reply } from './reply.js';

/**
 * The one place a Slack handler's failure becomes words: a known error (with its code) is its
 * own short sentence; anything else gets a reference the person can quote, logged with the stack.
 * Nothing is swallowed into a log line alone — the person always sees that it went wrong.
 */
export async function surfaceError(error: unknown, reply: Reply | undefined, logger: Logger): Promise<void> {
  const ref = randomBytes(4).toString('hex');
  if (isRecioError(error)) logger.warn({ err: error, ref, code: error.code }, 'request refused');
  else logger.error({ err: error, ref }, 'Slack handler failed');
  if (reply === undefined) return;
  try {
    await reply.private({ text: `:warning: ${describeError(error, ref)}` });
  } catch (replyError) {
    logger.error({ err: replyError, ref }, 'could not tell the person that their request failed');
  }
}

/** Runs a handler's work after its ack; any failure is surfaced to the person who asked. */
export async function guarded(reply: Reply, logger: Logger, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    await surfaceError(error, reply, logger);
  }
}
