import { expect, test } from 'vitest';
import { RecentViewers } from '@recio/bot/slack/home/recent-viewers';

/** Whose Home an incident change refreshes: bounded in number and in time, on a clock the test moves. */
function viewers(max = 3) {
  let now = 1_000_000;
  const registry = new RecentViewers({ max, recentForMs: 60_000, noticeForMs: 10_000, now: () => now });
  return { registry, advance: (ms: number) => (now += ms) };
}

test('keeps at most `max` people, dropping the one unseen longest; seeing someone again makes them the newest', () => {
  const { registry, advance } = viewers(3);
  for (const id of ['U1', 'U2', 'U3']) {
    registry.seen(id);
    advance(1);
  }
  registry.seen('U1');
  registry.seen('U4');
  expect(registry.recent()).toEqual(['U3', 'U1', 'U4']);
});

test('forgets people not seen within the window', () => {
  const { registry, advance } = viewers();
  registry.seen('U1');
  advance(30_000);
  registry.seen('U2');
  advance(40_000);
  expect(registry.recent()).toEqual(['U2']);
  advance(30_000);
  expect(registry.recent()).toEqual([]);
});

test('the answer to a click is shown while it is news, then no more', () => {
  const { registry, advance } = viewers();
  registry.tell('U1', 'Started the backup');
  expect(registry.noticeFor('U1')?.text).toBe('Started the backup');
  expect(registry.noticeFor('U2')).toBeUndefined();
  advance(10_001);
  expect(registry.noticeFor('U1')).toBeUndefined();
  expect(registry.recent()).toEqual(['U1']);
});
