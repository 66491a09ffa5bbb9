import { type FSWatcher, watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ActionContext, ActionHandler } from '../action-context.js';
import { succeeded } from '../action-context.js';

/**
 * The spool is watched (inotify): a written line wakes the follow at once, and an idle host costs
 * no wake-ups. The slow poll is the safety net for a file system without notifications (and a
 * watch that missed a rotation); it was 100 ms before, ten wake-ups a second on every watched host.
 */
const FALLBACK_POLL_MS = 1_000;

/** Resolves on the next change to `path` (or its directory entry), or after `ms`. */
function changeOrTimeout(watcher: { next: () => Promise<void> }, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void watcher.next().then(done);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function watchSpool(path: string): { next: () => Promise<void>; close: () => void } {
  let wake: (() => void) | undefined;
  let changed = false;
  let watcher: FSWatcher | undefined;
  try {
    // The directory, not the file: the spool may not exist yet, or be replaced by a rotation.
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(path)) return;
      changed = true;
      wake?.();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No directory (yet) or no inotify: the fallback poll alone.
  }
  return {
    next: () =>
      changed
        ? Promise.resolve().then(() => {
            changed = false;
          })
        : new Promise<void>((resolve) => {
            wake = () => {
              changed = false;
              wake = undefined;
              resolve();
            };
          }),
    close: () => watcher?.close(),
  };
}

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
  const watcher = watchSpool(path);
  try {
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
      await changeOrTimeout(watcher, Math.min(FALLBACK_POLL_MS, Math.max(0, until - Date.now())), ctx.signal);
    }
  } finally {
    watcher.close();
  }
  return succeeded({ offset, events, spool: path });
};
