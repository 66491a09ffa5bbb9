import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { nightlyRestoreTest } from '@recio/bot/scheduler/restore-test';
import { startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { testLogger } from '../support/test-logger.js';

let f: EngineFixture;

beforeAll(async () => {
  f = await startEngineFixture();
});
afterAll(async () => {
  await f?.stop();
});

const restoreTest = () => nightlyRestoreTest({ hosts: f.hosts, desk: f.desk, logger: testLogger });

test(
  'the nightly restore test: a dump that loads passes; ' +
    'a broken newest dump opens "backups cannot be restored"; the next pass is told to it',
  async () => {
    const dumped = await f.hosts.run('db1', { action: 'backup.create', params: {} });
    expect(dumped.ok).toBe(true);
    const file = (dumped.data as { file: string }).file;
    expect(await restoreTest()).toEqual([{ host: 'db1', ok: true, file, detail: expect.stringContaining(file) }]);
    expect(await f.store.incidents.findUnresolved('restore-test:db1')).toBeUndefined();

    // Tonight's dump is not one: plain text where an archive should be (a broken job, a bad copy).
    const broken = join(f.host.backupsDir, 'db_2099-01-01.sql');
    await writeFile(broken, '-- not an archive\n');
    const failed = await restoreTest();
    expect(failed).toMatchObject([{ host: 'db1', ok: false, file: 'db_2099-01-01.sql' }]);
    expect(failed[0]!.detail).toMatch(
      /^backups cannot be restored: backup db_2099-01-01\.sql is not a pg_dump custom-format/,
    );
    const incident = await f.store.incidents.findUnresolved('restore-test:db1');
    expect(incident).toMatchObject({ title: 'Backups cannot be restored on db1', severity: 'sev2' });
    // The same fault the next night is the same incident, not a second one.
    await restoreTest();
    expect((await f.store.incidents.findUnresolved('restore-test:db1'))?.id).toBe(incident!.id);

    await rm(broken);
    expect((await restoreTest())[0]).toMatchObject({ ok: true, file });
    const healthy = (await f.store.timeline.list({ incidentId: incident!.id })).filter(
      (e) => e.kind === 'probe_healthy',
    );
    expect(healthy.at(-1)?.text).toContain(`restore test passed: ${file}`);
  },
);
