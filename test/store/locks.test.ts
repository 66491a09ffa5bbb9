import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecioError } from '@recio/protocol/errors';
import type { Store } from '@recio/bot/store/index';
import { BACKENDS, startBackend, type TestBackend } from './support/backends.js';

describe.each(BACKENDS)('host+service locks (%s PostgreSQL)', (name) => {
  let backend: TestBackend;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    backend = await startBackend(name);
    a = await backend.open();
    b = await backend.open();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  /** A stand-in restart that records when it starts and ends. */
  const restart = (log: string[], who: string) => async () => {
    log.push(`${who}:start`);
    await sleep(150);
    log.push(`${who}:end`);
    return who;
  };

  it('runs two restarts of trade_executor one after the other, never interleaved', async () => {
    const log: string[] = [];
    const lock = { host: 'app1', service: 'trade_executor', leaseMs: 10_000, waitMs: 20_000 };
    const results = await Promise.all([
      a.locks.withLock({ ...lock, owner: 'run:A' }, restart(log, 'A')),
      b.locks.withLock({ ...lock, owner: 'run:B' }, restart(log, 'B')),
    ]);
    expect(results).toEqual(['A', 'B']);
    expect([
      ['A:start', 'A:end', 'B:start', 'B:end'],
      ['B:start', 'B:end', 'A:start', 'A:end'],
    ]).toContainEqual(log);
    expect(await a.locks.get('app1', 'trade_executor')).toBeUndefined();
  });

  it('tells the second restart who is restarting and since when, when it will not wait', async () => {
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = a.locks.withLock(
      { host: 'app1', service: 'trade_executor', owner: 'run:FIRST (U0ALICE)', purpose: 'restart', leaseMs: 10_000 },
      async () => {
        log.push('first:start');
        await held;
        log.push('first:end');
      },
    );
    await waitFor(async () => (await a.locks.get('app1', 'trade_executor')) !== undefined);
    const error = await b.locks
      .withLock({ host: 'app1', service: 'trade_executor', owner: 'run:SECOND', leaseMs: 10_000 }, async () =>
        log.push('second:ran'),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(RecioError);
    const locked = error as RecioError;
    expect(locked.code).toBe('locked');
    expect(locked.message).toMatch(/trade_executor on app1 is busy: run:FIRST \(U0ALICE\) \(restart\) since /);
    expect(locked.context).toMatchObject({ heldBy: 'run:FIRST (U0ALICE)', host: 'app1', service: 'trade_executor' });
    expect(locked.context.since).toBeInstanceOf(Date);
    release();
    await first;
    expect(log).toEqual(['first:start', 'first:end']);
  });

  it('takes over an expired lease, and lets only the owner release', async () => {
    const taken = await a.locks.acquire({ host: 'db1', service: 'postgresql', owner: 'run:OLD', leaseMs: 60_000 });
    expect(taken.acquired).toBe(true);
    expect(
      await b.locks.acquire({ host: 'db1', service: 'postgresql', owner: 'run:NEW', leaseMs: 60_000 }),
    ).toMatchObject({ acquired: false, heldBy: { owner: 'run:OLD' } });
    // Another instance using the same owner label does not share the lock.
    expect(
      (await b.locks.acquire({ host: 'db1', service: 'postgresql', owner: 'run:OLD', leaseMs: 60_000 })).acquired,
    ).toBe(false);
    expect(await b.locks.release('db1', 'postgresql', 'run:NEW')).toBe(false);
    await backend.sql(`UPDATE locks SET lease_until = now() - interval '1 second' WHERE host = 'db1'`);
    expect(
      await b.locks.acquire({ host: 'db1', service: 'postgresql', owner: 'run:NEW', leaseMs: 60_000 }),
    ).toMatchObject({ acquired: true, lock: { owner: 'run:NEW', instanceId: b.instanceId } });
    expect(await a.locks.renew('db1', 'postgresql', 'run:OLD', 60_000)).toBe(false);
    expect(await b.locks.release('db1', 'postgresql', 'run:NEW')).toBe(true);
  });

  it('aborts the holder when its lock is lost', async () => {
    const outcome = await a.locks.withLock(
      { host: 'app2', service: 'trade_manager', owner: 'run:SLOW', leaseMs: 300 },
      async (signal) => {
        await backend.sql(`DELETE FROM locks WHERE host = 'app2'`);
        await waitFor(async () => signal.aborted);
        return (signal.reason as RecioError).code;
      },
    );
    expect(outcome).toBe('locked');
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(20);
}
