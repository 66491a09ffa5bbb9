import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadRunbooks } from '@recio/bot/runbooks/loader';
import { scenariosRestoringDump, withPickedDump } from '@recio/bot/runbooks/picked-dump';
import { planRun } from '@recio/bot/runbooks/plan';

const runbooks = loadRunbooks(resolve(import.meta.dirname, '../../commands'));
const fleet = { withRole: (role: string) => (role === 'db' ? ['db1'] : role === 'app' ? ['app1'] : []) };

describe('a dump picked in Run recovery', () => {
  test('the picker is offered for the runbooks that restore a dump, read from the runbooks themselves', () => {
    const restoring = scenariosRestoringDump(runbooks);
    expect([...restoring]).toEqual(['postgres-failure']);
    for (const [id, runbook] of runbooks)
      expect(restoring.has(id), id).toBe(runbook.steps.some((s) => s.action === 'db.restore'));
  });

  test("binds the file to the restore step only, and renames it; the other steps are the runbook's", () => {
    const planned = planRun(runbooks.get('postgres-failure')!, {}, fleet);
    const picked = withPickedDump(planned, 'db_2026-01-02.sql', 'postgres-failure');
    const restore = picked.find((s) => s.action === 'db.restore')!;
    expect(restore.params).toEqual({ file: 'db_2026-01-02.sql' });
    expect(restore.title).toBe('Restore from db_2026-01-02.sql (picked)');
    expect(restore.approval).toBe('second_person');
    expect(picked.filter((s) => s.action !== 'db.restore')).toEqual(planned.filter((s) => s.action !== 'db.restore'));
    // Unchanged: the drills and the cascade code plan without a pick (the newest dump is bound at approval).
    expect(planned.find((s) => s.action === 'db.restore')!.params).toEqual({});
  });

  test('a runbook without a restore step refuses a picked file instead of ignoring it', () => {
    const planned = planRun(runbooks.get('backup')!, {}, fleet);
    expect(() => withPickedDump(planned, 'db_2026-01-02.sql', 'backup')).toThrow(/backup restores no dump/);
  });
});
