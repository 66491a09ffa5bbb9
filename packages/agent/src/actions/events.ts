import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext, ActionHandler } from '../action-context.js';
import { succeeded } from '../action-context.js';

const POLL_MS = 100;

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/**
 * events.follow — a long poll of the event listener's spool. Starting after `after` (a byte
 * offset; null = the end now, so only new events), every complete line is streamed as output as
 * soon as it is written; returns at `waitSeconds` (or the request's deadline) with the next offset.
 * A spool smaller than the offset was rotated: reading starts again from its beginning.
 */
export const eventsFollow: ActionHandler<'events.follow'> = async ({ after, waitSeconds }, ctx: ActionContext) => {
  const path = ctx.config.events.spool;
  let offset = after ?? (await sizeOf(path));
  const until = Math.min(Date.now() + waitSeconds * 1000, ctx.deadline - 500);
  let events = 0;
  while (Date.now() < until && !ctx.signal.aborted) {
    const size = await sizeOf(path);
    if (size < offset) offset = 0;
    if (size > offset) {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        const complete = buffer.lastIndexOf(10) + 1;
        if (complete > 0) {
          const text = buffer.subarray(0, complete).toString('utf8');
          ctx.emit('stdout', text);
          events += text.split('\n').filter((l) => l !== '').length;
          offset += complete;
        }
      } finally {
        await handle.close();
      }
    }
    await sleep(POLL_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  return succeeded({ offset, events, spool: path });
};
