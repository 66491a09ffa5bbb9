import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { eventListenerSetup } from '@recio/agent/supervisor-program-config';
import { formatCheck } from '@recio/bot/doctor/check';
import { checkLastDrill } from '@recio/bot/doctor/drill-check';
import { checkRecoverySetup } from '@recio/bot/doctor/recovery-checks';
import { runDoctor } from '@recio/bot/doctor/run-doctor';
import { openStore } from '@recio/bot/store/index';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { ownedTempDir } from '../support/leftovers.js';
import { startSlackFake } from '../support/slack-fake.js';

let host: TestHost;
let db: TestDatabase;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase('recio_doctor');
  dir = await ownedTempDir('doctor');
  host = await startTestHost({ name: 'db1', agentConfig: { services: [...RECIO_PROGRAMS, 'ghost_program'] } });
  const keyPath = join(dir, 'id_ed25519');
  await writeFile(keyPath, host.clientKey.privateKey, { mode: 0o600 });
  const fleet = (hostKey: string) =>
    `hosts:\n  - { name: db1, address: 127.0.0.1, port: ${host.sshd.port}, user: ${host.user.name}, ` +
    `hostKey: "${hostKey}", roles: [db, app] }\n`;
  await writeFile(join(dir, 'fleet.yml'), fleet(host.sshd.hostKeyFingerprint));
  await writeFile(join(dir, 'wrong-pin.yml'), fleet(`SHA256:${'B'.repeat(43)}`));
  env = {
    DATABASE_URL: db.url,
    RECIO_FLEET: join(dir, 'fleet.yml'),
    RECIO_SSH_KEY: keyPath,
    RECIO_DATA_DIR: join(dir, 'data'),
  };
});
afterAll(async () => {
  await host?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const byName = (results: Awaited<ReturnType<typeof runDoctor>>) => Object.fromEntries(results.map((r) => [r.name, r]));

test(
  'doctor names each problem with what to do: ' + 'pending migrations, a service missing from supervisor, no backup',
  async () => {
    const results = byName(await runDoctor(env));
    expect(results.config?.ok).toBe(true);
    expect(results.runbooks?.ok).toBe(true);
    expect(results.topology).toMatchObject({ ok: true, detail: '4 causes, 6 programs with their dependencies' });
    // What silently breaks a recovery: no web URL (the checklist never goes green), roles nobody holds.
    expect(results['web url']).toMatchObject({ ok: false, detail: expect.stringContaining('can never go green') });
    expect(results.roles).toMatchObject({
      ok: false,
      detail: 'no member: lead_operator, system_architect, security_officer',
    });
    expect(results.store).toMatchObject({
      ok: false,
      detail: expect.stringContaining('migrations pending: 001_initial'),
      fix: 'run recio migrate',
    });
    expect(results['host db1']).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/host key matches the pin, agent .* \(protocol v1\)/),
    });
    expect(results['host db1 services']).toMatchObject({
      ok: false,
      detail: 'configured but not in supervisor: ghost_program',
    });
    expect(results['host db1 backups']).toMatchObject({ ok: false, detail: 'no dump at all' });
    expect(formatCheck(results['host db1 backups']!)).toBe(
      '✖ host db1 backups: no dump at all\n    → run /recio backup now, then check the nightly schedule',
    );
  },
);

test(
  'doctor flags dumps and a backups dir that others can read (issue 12 item 12), ' + 'and passes once they are private',
  async () => {
    const dump = join(host.backupsDir, 'db_2026-03-01.sql');
    await writeFile(dump, 'x', { mode: 0o644 });
    await chmod(dump, 0o644);
    await chmod(host.backupsDir, 0o755);
    const open = byName(await runDoctor(env))['host db1 backup modes'];
    expect(open).toMatchObject({
      ok: false,
      detail: `${host.backupsDir} is 0755 (want 0700); readable by others (want 0600): db_2026-03-01.sql (0644)`,
    });
    expect(open?.fix).toContain('chmod 700');
    await chmod(dump, 0o600);
    await chmod(host.backupsDir, 0o700);
    expect(byName(await runDoctor(env))['host db1 backup modes']).toMatchObject({ ok: true });
    await rm(dump);
  },
);

test(
  'a store with current migrations passes; ' + 'a wrong host-key pin fails before any command, naming both keys',
  async () => {
    const store = await openStore({ databaseUrl: db.url, dataDir: join(dir, 'data') });
    await store.close();
    const results = byName(await runDoctor({ ...env, RECIO_FLEET: join(dir, 'wrong-pin.yml') }));
    expect(results.store?.ok).toBe(true);
    expect(results['host db1']).toMatchObject({
      ok: false,
      detail: expect.stringContaining(host.sshd.hostKeyFingerprint),
    });
    expect(results['host db1']?.fix).toMatch(/re-pin its key/);
  },
);

test(
  'doctor shows the nightly restore test: its last result per host (a failure with its last pass, a stale pass), ' +
    'an open "backups cannot be restored" incident; failing archive jobs',
  async () => {
    const store = await openStore({ databaseUrl: db.url, dataDir: join(dir, 'data') });
    try {
      expect(byName(await runDoctor(env))['restore test']).toMatchObject({
        ok: true,
        detail: /no restore test recorded yet/,
      });
      // The nightly results as the scheduler keeps them: a pass names the dump, a failure when it last passed.
      await store.backupChecks.record({
        job: 'restore-test',
        host: 'db1',
        ok: true,
        subject: 'db_2026-11-26.sql',
        detail: 'ok',
      });
      expect(byName(await runDoctor(env))['restore test']).toMatchObject({
        ok: true,
        detail: expect.stringMatching(/^db1: passed \S+ \(db_2026-11-26\.sql\)$/),
      });
      await db.query(`UPDATE backup_checks SET at = now() - interval '3 days', last_ok = now() - interval '3 days'`);
      expect(byName(await runDoctor(env))['restore test']).toMatchObject({
        ok: false,
        detail: expect.stringContaining('db1: last run'),
      });
      await store.backupChecks.record({
        job: 'restore-test',
        host: 'db1',
        ok: false,
        subject: 'db_2026-11-27.sql',
        detail: 'backups cannot be restored: backup db_2026-11-27.sql is empty',
      });
      expect(byName(await runDoctor(env))['restore test']).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^db1: failed \S+: backups cannot be restored: .* is empty; last passed \S+Z$/),
      });
      await store.backupChecks.record({
        job: 'config-archive',
        host: 'db1',
        ok: false,
        detail: 'config.archive failed: x',
      });
      expect(byName(await runDoctor(env)).archives).toMatchObject({ ok: false, detail: /config-archive db1: failed/ });
      await db.query(`DELETE FROM backup_checks`);
      await store.incidents.openOrJoin({
        fingerprint: 'restore-test:db1',
        kind: 'incident',
        title: 'Backups cannot be restored on db1',
        severity: 'sev2',
        openedBy: 'monitor',
        scenario: 'backup',
      });
      const failing = byName(await runDoctor(env))['restore test'];
      expect(failing).toMatchObject({
        ok: false,
        detail: expect.stringContaining('Backups cannot be restored on db1'),
      });
    } finally {
      await store.close();
    }
  },
);

test('a broken config is one failed check listing every problem, not a crash', async () => {
  const results = await runDoctor({ ...env, PORT: 'x', RECIO_SSH_CONNECT_TIMEOUT_MS: '-1' });
  expect(results).toHaveLength(1);
  expect(results[0]).toMatchObject({
    name: 'config',
    ok: false,
    detail: expect.stringMatching(/PORT: .*; RECIO_SSH_CONNECT_TIMEOUT_MS: /),
  });
});

test(
  'doctor flags what silently breaks a recovery on a host: no expected tables, no feed query, ' +
    'no offsite target; the event listener found in supervisord’s config passes',
  async () => {
    const results = byName(await runDoctor(env));
    expect(results['host db1 expected tables']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('db.expectedTables is empty'),
    });
    expect(results['host db1 feed queries']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^no db\.feeds entry for btc_price, kalshi: /),
    });
    expect(results['host db1 offsite target']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('backups.offsite is not set'),
    });
    expect(results['host db1 event listener']).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^\[eventlistener:recio_events\] in .*supervisord\.conf$/),
    });
  },
);

test('without the listener writing the agent’s spool, or without FATAL events, the listener check fails', async () => {
  const conf = join(dir, 'supervisord.conf');
  const spool = '/var/lib/recio-agent/events.jsonl';
  const argv = ['supervisorctl', '-c', conf];
  await writeFile(conf, '[program:trade_manager]\ncommand=/bin/true\n');
  expect(eventListenerSetup(argv, spool)).toEqual({
    installed: false,
    why: `no [eventlistener:…] writes ${spool} in ${conf}`,
  });
  await writeFile(
    conf,
    `[eventlistener:recio_events]\ncommand=recio-event-listener --spool ${spool}\nevents=TICK_60\n`,
  );
  expect(eventListenerSetup(argv, spool)).toMatchObject({ installed: false, why: expect.stringContaining('FATAL') });
  const failed = checkRecoverySetup('host app1', ['app'], { eventListener: eventListenerSetup(argv, spool) });
  expect(failed).toEqual([expect.objectContaining({ name: 'host app1 event listener', ok: false })]);
  // A host set up as it should be: every line passes; an older agent that does not say is not judged.
  const good = checkRecoverySetup('host db1', ['db', 'app'], {
    db: { expectedTables: ['trades'], feeds: ['btc_price', 'kalshi'] },
    offsite: true,
    eventListener: { installed: true, section: 'eventlistener:recio_events', file: conf },
  });
  expect(good.map((r) => [r.name, r.ok])).toEqual([
    ['host db1 expected tables', true],
    ['host db1 feed queries', true],
    ['host db1 event listener', true],
  ]);
  expect(checkRecoverySetup('host db1', ['db', 'app'], {})).toEqual([]);
});

test('doctor says when the bot is not in the ops channel (conversations.info is_member), and passes once it is', async () => {
  const slack = await startSlackFake({
    workspace: {
      channels: [
        { id: 'C0OPS000001', name: 'ops' },
        { id: 'C0QUIET0001', name: 'quiet', members: ['U0ALICE0001'] },
      ],
    },
  });
  try {
    const withSlack = { ...env, SLACK_BOT_TOKEN: slack.tokens.bot, SLACK_API_URL: slack.apiUrl };
    const outside = byName(await runDoctor({ ...withSlack, RECIO_OPS_CHANNEL: 'C0QUIET0001' }));
    expect(outside['slack token']?.ok).toBe(true);
    expect(outside['ops channel']).toMatchObject({
      ok: false,
      detail: 'the bot (U0RECIOBOT1) is not in #quiet',
      fix: 'invite it: /invite @recio in #quiet',
    });
    const inside = byName(await runDoctor({ ...withSlack, RECIO_OPS_CHANNEL: 'C0OPS000001' }));
    expect(inside['ops channel']).toMatchObject({ ok: true, detail: 'the bot is in #ops' });
  } finally {
    await slack.close();
  }
});

test('doctor shows the last drill (§5, quarterly): never is a failure; a recent one passes; past a quarter, overdue', async () => {
  const store = await openStore({ databaseUrl: db.url, dataDir: join(dir, 'data') });
  try {
    expect(byName(await runDoctor(env))['last drill']).toMatchObject({
      ok: false,
      detail: 'no drill recorded: recovery was never practised',
      fix: expect.stringContaining('/recio drill postgres-failure'),
    });
    await store.incidents.openOrJoin({
      fingerprint: 'drill:doctor',
      kind: 'drill',
      title: 'Drill: service-crash (kill) on sbx',
      severity: 'sev4',
      openedBy: 'U0ALICE0001',
      scenario: null,
      detail: { scenario: 'service-crash' },
    });
    expect(byName(await runDoctor(env))['last drill']).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^\d{4}-\d\d-\d\d \(service-crash\), today; next in turn: provider-outage$/),
    });
    const overdue = await checkLastDrill(store, new Date(Date.now() + 120 * 86_400_000));
    expect(overdue).toMatchObject({ ok: false, detail: expect.stringContaining('the quarterly drill is overdue') });
  } finally {
    await store.close();
  }
});
