import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** Whether something accepts TCP on the loopback port (and, if given, greets with `prefix`). */
export function answersOn(port: number, prefix?: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      if (prefix === undefined) done(true);
    });
    socket.once('data', (data) => done(data.toString().startsWith(prefix ?? '')));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Polls `probe` until it returns a value; throws a readable error naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until)
      throw new RecioError(ErrorCode.StepTimeout, `${what} within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(intervalMs);
  }
}

/** GET a loopback URL: its status, or undefined when nothing answered in time. */
export async function httpStatus(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status;
  } catch {
    // Refused, reset or timed out: no status yet, the caller polls again.
    return undefined;
  }
}
