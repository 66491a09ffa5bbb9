import { describe, expect, test } from 'vitest';
import { createAckGate } from '@recio/bot/slack/ack-gate';
import { createWorkQueue } from '@recio/bot/slack/work-queue';
import { createLogger } from '@recio/bot/observability/logger';

const logger = createLogger({ level: 'silent' });

describe('work after the ack', () => {
  test('waits while an ack is owed and starts once the receiver is quiet', async () => {
    const gate = createAckGate({ quietMs: 5 });
    const queue = createWorkQueue({ concurrency: 2, logger, gate, maxDelayMs: 60_000 });
    const events: string[] = [];
    gate.enter();
    queue.push(async () => {
      events.push('job');
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push('ack sent');
    gate.leave();
    await queue.idle();
    expect(events).toEqual(['ack sent', 'job']);
  });

  test('steady traffic cannot starve it: the job starts after maxDelayMs at the latest', async () => {
    const gate = createAckGate({ quietMs: 5 });
    const queue = createWorkQueue({ concurrency: 1, logger, gate, maxDelayMs: 20 });
    gate.enter(); // never left: an ack owed forever
    let ran = false;
    queue.push(async () => {
      ran = true;
    });
    await queue.idle();
    expect(ran).toBe(true);
  });

  test('jobs run a few at a time and a failing one does not stop the rest', async () => {
    const queue = createWorkQueue({ concurrency: 2, logger });
    let running = 0;
    let most = 0;
    const done: number[] = [];
    for (let i = 0; i < 6; i++) {
      queue.push(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (i === 2) throw new Error('boom');
        done.push(i);
      });
    }
    await queue.idle();
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 3, 4, 5]);
    expect(queue.pending).toBe(0);
  });
});
