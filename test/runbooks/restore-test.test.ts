import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkArchiveModes } from '@recio/bot/doctor/fleet-checks';
import { classify } from '@recio/bot/incidents/failure';
import { probeBackups } from '@recio/bot/monitor/probes';
import { configArchiveJob, historyArchiveJob } from '@recio/bot/scheduler/archive-jobs';
import { nightlyRestoreTest } from '@recio/bot/scheduler/restore-test';
import { ALICE, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { ownedTempDir } from '../support/leftovers.js';
import { testLogger } from '../support/test-logger.js';
import { patchAgentConfig } from '../integration/agent-harness.js';

let f: EngineFixture;
/** Where the agent keeps §2.2 and §2.3's archives, and the offsite store (a dir, as the sandbox's). */
let own: string;
const at = (...parts: string[]) => join(own, ...parts);

beforeAll(async () => {
  f = await startEngineFixture();
  own = await ownedTempDir('archives');
  await chmod(own, 0o777);
  for (const dir of ['repo', 'logs', 'offsite']) {
    await mkdir(at(dir));
    await chmod(at(dir), 0o777);
  }
  for (const [name, text] of [
    ['.env', 'KALSHI_API_SECRET=sk-test-not-real\n'],
    ['MASTER_PORT_MANIFEST.json', '{}\n'],
    ['config.json', '{"mode":"live"}\n'],
  ])
    await writeFile(at('repo', name!), text!, { mode: 0o644 });
  await writeFile(at('logs', 'trade_executor.log'), 'started\n', { mode: 0o644 });
  await writeFile(at('archive.key'), 'a passphrase for this test only\n', { mode: 0o644 });
  // Before the first request: the agent reads its config when the pooled session starts.
  await patchAgentConfig(f.host, {
    deploy: { repo: at('repo') },
    configBackup: {
      dir: at('config'),
      restoreDir: at('config-restore'),
      method: 'openssl',
      opensslKeyFile: at('archive.key'),
    },
    history: { dir: at('history'), logs: [at('logs')] },
    backups: { offsite: ['cp', '{file}', at('offsite', '{name}')], offsiteList: ['ls', at('offsite')] },
  });
});
afterAll(async () => {
  await f?.stop();
  if (own) await rm(own, { recursive: true, force: true });
});

const restoreTest = () =>
  nightlyRestoreTest({ hosts: f.hosts, desk: f.desk, checks: f.store.backupChecks, logger: testLogger });
const jobDeps = () => ({ hosts: f.hosts, checks: f.store.backupChecks, logger: testLogger });

test(
  'the nightly restore test: a dump that loads passes; ' +
    'a broken newest dump opens "backups cannot be restored"; the next pass is told to it',
  async () => {
    const dumped = await f.hosts.run('db1', { action: 'backup.create', params: {} });
    expect(dumped.ok).toBe(true);
    const file = (dumped.data as { file: string }).file;
    expect(await restoreTest()).toEqual([{ host: 'db1', ok: true, file, detail: expect.stringContaining(file) }]);
    expect(await f.store.incidents.findUnresolved('restore-test:db1')).toBeUndefined();
    const [passed] = await f.store.backupChecks.list('restore-test');
    expect(passed).toMatchObject({ host: 'db1', ok: true, subject: file });
    expect(passed!.lastOk).toEqual(passed!.at);

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
    // Kept for App Home, the doctor and the checklist: failing now, and when it last passed.
    expect(await f.store.backupChecks.list('restore-test')).toMatchObject([
      { host: 'db1', ok: false, subject: 'db_2099-01-01.sql', lastOk: passed!.at },
    ]);
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

test(
  '§2.2 and §2.3 on a schedule: the config archive (offsite; unchanged skipped), the logs and the price and ' +
    'snapshot exports with retention, 0600 in 0700, listed by /recio backup list',
  async () => {
    const [archived] = await configArchiveJob(jobDeps(), false);
    expect(archived).toMatchObject({ host: 'db1', ok: true, detail: expect.stringMatching(/copied offsite$/) });
    const configFile = /^(config_\S+\.tar\.enc)/.exec(archived!.detail)![1]!;
    expect(await readdir(at('offsite'))).toContain(configFile);
    const [watched] = await configArchiveJob(jobDeps(), true);
    expect(watched).toMatchObject({ ok: true, detail: `unchanged since ${configFile}` });

    // Retention: an archive from 2020 goes, unless it is the newest of its kind; other files stay.
    // The dir as the agent keeps it: its own, 0700 (the old archives below were planted by root).
    await mkdir(at('history'), { mode: 0o700 });
    if (f.host.user.isRoot) await execa('chown', [f.host.user.name, at('history')]);
    else await chmod(at('history'), 0o777);
    for (const name of ['logs_2020-01-01_000000.tar.gz', 'orders_2020-01-01_000000.dump', 'notes.txt'])
      await writeFile(at('history', name), 'old\n', { mode: 0o600 });
    const [history] = await historyArchiveJob(jobDeps());
    expect(history).toMatchObject({
      host: 'db1',
      ok: true,
      detail: expect.stringContaining('1 past retention deleted'),
    });
    const files = (await readdir(at('history'))).sort();
    expect(files).toEqual([
      expect.stringMatching(/^btc_price_log_\d{4}-\d{2}-\d{2}_\d{6}\.dump$/),
      expect.stringMatching(/^btc_price_log_.*\.dump\.sha256$/),
      expect.stringMatching(/^kalshi_market_snapshots_.*\.dump$/),
      expect.stringMatching(/^kalshi_market_snapshots_.*\.dump\.sha256$/),
      expect.stringMatching(/^logs_\d{4}-\d{2}-\d{2}_\d{6}\.tar\.gz$/),
      'notes.txt',
      'orders_2020-01-01_000000.dump',
    ]);
    expect(await f.store.backupChecks.list()).toMatchObject([
      { job: 'config-archive', host: 'db1', ok: true },
      { job: 'history-archive', host: 'db1', ok: true },
      { job: 'restore-test', host: 'db1', ok: true },
    ]);

    // Dumps and archives are 0600 in a 0700 dir; the doctor names one that is not.
    const listed = await f.hosts.run('db1', { action: 'archive.list', params: {} });
    expect(listed.ok).toBe(true);
    expect(checkArchiveModes('host db1', listed.data as never)).toMatchObject({ ok: true });
    const logs = files.find((name) => name.startsWith('logs_'))!;
    expect((await stat(at('history', logs))).mode & 0o777).toBe(0o600);
    expect((await stat(at('config', configFile))).mode & 0o777).toBe(0o600);
    expect((await stat(at('config'))).mode & 0o777).toBe(0o700);
    await chmod(at('history', logs), 0o644);
    const open = checkArchiveModes(
      'host db1',
      (await f.hosts.run('db1', { action: 'archive.list', params: {} })).data as never,
    );
    expect(open).toMatchObject({ ok: false, detail: expect.stringContaining(`${logs} (0644)`) });
    await chmod(at('history', logs), 0o600);

    const answer = await f.ops.handle({ kind: 'backup_list' }, await f.actor(ALICE), f.origin('list-archives'));
    if (answer.type !== 'backups') throw new Error(`expected backups, got ${answer.type}`);
    const archives = answer.archives![0]!.data as { config: { files: unknown[]; offsite: unknown } };
    expect(archives.config).toMatchObject({
      files: [{ file: configFile, mode: '0600' }],
      offsite: { files: [configFile] },
    });
    expect(answer.restoreTests).toMatchObject([{ host: 'db1', ok: true }]);
  },
);

test('/recio backup restore: a config archive unpacked into a new directory; an unknown one is refused', async () => {
  const actor = await f.actor(ALICE);
  const run = async (intent: Parameters<EngineFixture['ops']['handle']>[0], key: string) => {
    const answer = await f.ops.handle(intent, actor, f.origin(key));
    if (answer.type !== 'run') throw new Error(`expected a run, got ${JSON.stringify(answer)}`);
    await answer.done;
    return (await f.store.runs.steps(answer.run.id))[0]!;
  };
  const [newest] = (await readdir(at('config')))
    .filter((n) => n.startsWith('config_'))
    .sort()
    .reverse();
  const restored = await run({ kind: 'backup_restore', file: newest!, into: 'compare' }, 'restore-1');
  expect(restored).toMatchObject({ action: 'config.restore', state: 'succeeded' });
  expect(await readdir(join(at('config-restore', 'compare'), at('repo')))).toEqual(
    expect.arrayContaining(['.env', 'MASTER_PORT_MANIFEST.json', 'config.json']),
  );
  const again = await run({ kind: 'backup_restore', file: newest!, into: 'compare' }, 'restore-2');
  expect(again.state).toBe('failed');
  expect(JSON.stringify(again.result)).toContain('already exists');
  const unknown = await run({ kind: 'backup_restore', file: 'config_2020-01-01_000000.tar.enc' }, 'restore-3');
  expect(unknown.state).toBe('failed');
  expect(JSON.stringify(unknown.result)).toContain(`no config archive config_2020-01-01_000000.tar.enc`);
  expect(await readdir(at('config-restore'))).toEqual(['compare']);
});

test('offsite freshness in the monitor: a stale newest offsite copy fails, and opens its incident', async () => {
  const ctx = {
    hosts: f.hosts,
    withRole: () => ['db1'],
    checks: { providers: {}, httpTimeoutMs: 1000 },
    services: [],
    feedMaxAgeSeconds: {},
    backupMaxAgeSeconds: 26 * 3600,
    deadlineMs: 30_000,
  };
  const offsite = async () => (await probeBackups(ctx, 'db1')).find((o) => o.failure.kind === 'offsite')!;
  expect(await f.hosts.run('db1', { action: 'backup.offsite', params: {} })).toMatchObject({ ok: true });
  expect(await offsite()).toMatchObject({
    ok: true,
    failure: { detail: expect.stringMatching(/^newest offsite copy db_/) },
  });

  // Only an old copy left offsite (the nightly copy stopped working a while ago).
  for (const name of await readdir(at('offsite'))) if (name.startsWith('db_')) await rm(at('offsite', name));
  await writeFile(at('offsite', 'db_2020-01-01.sql'), 'old copy\n');
  const stale = await offsite();
  expect(stale).toMatchObject({
    ok: false,
    failure: {
      kind: 'offsite',
      host: 'db1',
      detail: expect.stringMatching(/^newest offsite copy db_2020-01-01\.sql is \d/),
    },
  });
  expect(classify(stale.failure)).toMatchObject({
    fingerprint: 'offsite:db1',
    title: expect.stringMatching(/^Newest offsite backup too old on db1/),
    severity: 'sev3',
  });
  await f.desk.reportFailure(stale.failure);
  expect(await f.store.incidents.findUnresolved('offsite:db1')).toMatchObject({ severity: 'sev3' });

  // A store that cannot be listed says nothing either way: not stale, and not "recovered" either.
  await chmod(at('offsite'), 0o000);
  try {
    const observed = await probeBackups(ctx, 'db1');
    expect(observed.map((o) => o.failure.kind)).toEqual(['backup']);
  } finally {
    await chmod(at('offsite'), 0o777);
  }
});
