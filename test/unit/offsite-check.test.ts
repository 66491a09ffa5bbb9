import { describe, expect, test } from 'vitest';
import { checkOffsite } from '@recio/bot/doctor/fleet-checks';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const dump = (daysAgo: number) => {
  const at = new Date(NOW - daysAgo * 86_400_000);
  return { file: `db_${at.toISOString().slice(0, 10)}.sql`, takenAt: at.toISOString() };
};

describe('doctor: §2.1 offsite, 30 days', () => {
  test(
    'fresh and nothing past 30 days passes; ' + 'stale, too old to keep, empty or unlistable each fail with the fix',
    () => {
      expect(checkOffsite('host db1', { files: [dump(0.5), dump(10), dump(29)] }, 26, NOW)).toMatchObject({ ok: true });
      const stale = checkOffsite('host db1', { files: [dump(3)] }, 26, NOW);
      expect(stale).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/newest offsite db_2026-11-23\.sql is 72\.0 h old/),
      });
      const kept = checkOffsite('host db1', { files: [dump(0.5), dump(31), dump(40)] }, 26, NOW);
      expect(kept).toMatchObject({
        ok: false,
        detail: '1 offsite dump(s) older than 30 days (oldest db_2026-10-17.sql)',
      });
      expect(kept.fix).toContain('lifecycle rule');
      expect(checkOffsite('host db1', { files: [] }, 26, NOW)).toMatchObject({ ok: false, detail: 'no dump offsite' });
      expect(checkOffsite('host db1', { error: 'offsite listing: exit 1' }, 26, NOW)).toMatchObject({ ok: false });
    },
  );
});
