import { describe, expect, test } from 'vitest';
import { ReleaseWatch } from '@recio/bot/monitor/release-watch';

const GOOD = { commit: 'a'.repeat(40), tag: 'v2.4.0' };
const BAD = { commit: 'b'.repeat(40), tag: 'v2.5.0' };
const failing = new Set(['trade_manager', 'trade_executor']);
const none = new Set<string>();

describe('ReleaseWatch', () => {
  test('programs failing after the head changed are the release, with the tag it replaced as the last good one', () => {
    const watch = new ReleaseWatch();
    expect(watch.observe('app1', GOOD, none, 0, true)).toBeUndefined();
    const seen = watch.observe('app1', BAD, failing, 1_000, false);
    expect(seen).toMatchObject({ ok: false, failure: { kind: 'release', subject: 'v2.5.0', lastGoodTag: 'v2.4.0' } });
  });

  test(
    'between crash-loop retries (STARTING: neither failing nor running) nothing is said; ' +
      'every program RUNNING is said once',
    () => {
      const watch = new ReleaseWatch();
      watch.observe('app1', GOOD, none, 0, true);
      watch.observe('app1', BAD, failing, 1_000, false);
      expect(watch.observe('app1', BAD, none, 2_000, false)).toBeUndefined();
      expect(watch.observe('app1', GOOD, none, 3_000, true)).toMatchObject({
        ok: true,
        failure: { kind: 'release', subject: 'v2.5.0', state: 'recovered' },
      });
      expect(watch.observe('app1', GOOD, none, 4_000, true)).toBeUndefined();
    },
  );

  test(
    'a rollback under way (new head, programs still failing) stays the open release fault: ' +
      'never a second one naming the bad tag as good',
    () => {
      const watch = new ReleaseWatch();
      watch.observe('app1', GOOD, none, 0, true);
      watch.observe('app1', BAD, failing, 1_000, false);
      const during = watch.observe('app1', GOOD, failing, 2_000, false);
      expect(during).toMatchObject({ ok: false, failure: { subject: 'v2.5.0', lastGoodTag: 'v2.4.0' } });
    },
  );

  test('failures long after a deploy are not the release', () => {
    const watch = new ReleaseWatch();
    watch.observe('app1', GOOD, none, 0, true);
    watch.observe('app1', BAD, none, 1_000, true);
    expect(watch.observe('app1', BAD, failing, 1_000 + 16 * 60_000, false)).toBeUndefined();
  });
});
