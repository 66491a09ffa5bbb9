import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { localDate } from '@recio/agent/backup-files';
import { LocalTransport } from '@recio/bot/hosts/local-transport';
import type { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { customDumpOf } from '../support/dumps.js';
import { dbSection, injections, patchAgentConfig, rawRequest, transportTo } from './agent-harness.js';

let db: TestDatabase;
let host: TestHost;
let transport: SshTransport;
let remote: string;

const DAY = 86_400_000;
const dumpName = (daysAgo: number) => `db_${localDate(new Date(Date.now() - daysAgo * DAY))}.sql`;
const listDir = async (dir: string) => (await readdir(dir)).sort();

async function clearBackups(): Promise<void> {
  for (const f of await readdir(host.backupsDir)) await rm(join(host.backupsDir, f), { force: true });
}

async function createDump(): Promise<string> {
  const created = await transport.run({ action: 'backup.create', params: {} });
  expect(created.ok, JSON.stringify(created.error)).toBe(true);
  return (created.data as { file: string }).file;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(
    'CREATE TABLE trades (id serial primary key, symbol text); ' +
      'CREATE TABLE btc_price_log (ts timestamptz, price numeric); ' +
      'CREATE TABLE kalshi_market_snapshots (ts timestamptz)',
  );
  await db.query("INSERT INTO trades (symbol) SELECT 'T' || n FROM generate_series(1, 4) n");
  await db.query('INSERT INTO btc_price_log SELECT now(), n FROM generate_series(1, 7) n');
  host = await startTestHost({ agentConfig: { db: dbSection(db, ['trades', 'btc_price_log']) } });
  remote = join(host.dir, 'offsite-remote');
  await mkdir(remote);
  await chmod(remote, 0o777);
  // Real programs standing in for rclone: a copy, and a listing as the postcondition.
  await patchAgentConfig(host, {
    backups: {
      offsite: ['cp', '--', '{file}', `${remote}/rec-{name}`],
      offsiteCheck: ['ls', '--', `${remote}/rec-{name}`],
    },
  });
  transport = transportTo(host);
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
  // Should a test fail before the agent's clean-up, its scratch databases go here.
  for (const name of scratchSeen)
    await db?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await db?.drop();
});

const scratchSeen = new Set<string>();
/** The scratch database a verify result names, remembered for the clean-up above. */
function scratchOf(result: { data?: unknown }): string {
  const name = (result.data as { scratchDb?: string } | undefined)?.scratchDb ?? '';
  if (/^recio_verify_[0-9a-f]{10}$/.test(name)) scratchSeen.add(name);
  return name;
}

describe('backup.prune', () => {
  test('deletes nightly dumps older than keepDays by the date in the name, never anything else', async () => {
    await clearBackups();
    const kept = [0, 1, 3, 6].map(dumpName);
    const old = [8, 10, 30].map(dumpName);
    const others = [
      'pre-restore_2020-01-01_030000.sql',
      'notes.txt',
      '.db_2020-01-01.sql.partial',
      'db_2020-01-01.sql.gz',
    ];
    for (const f of [...kept, ...old, ...others]) await writeFile(join(host.backupsDir, f), 'x');
    // A name whose date is not a real one falls back to the mtime: old mtime goes, new stays.
    await writeFile(join(host.backupsDir, 'db_2020-02-30.sql'), 'x');
    await utimes(join(host.backupsDir, 'db_2020-02-30.sql'), new Date('2020-03-01'), new Date('2020-03-01'));
    await writeFile(join(host.backupsDir, 'db_2021-02-30.sql'), 'x');

    const result = await transport.run({ action: 'backup.prune', params: {} });
    expect(result).toMatchObject({ ok: true, data: { keepDays: 7 } });
    const data = result.data as { deleted: Array<{ file: string }>; kept: string[] };
    expect(data.deleted.map((d) => d.file).sort()).toEqual([...old, 'db_2020-02-30.sql'].sort());
    expect(data.kept.sort()).toEqual([...kept, 'db_2021-02-30.sql'].sort());
    expect(await listDir(host.backupsDir)).toEqual([...kept, ...others, 'db_2021-02-30.sql'].sort());
  });

  test('keepDays from the request; the newest dump is kept whatever its age', async () => {
    await clearBackups();
    for (const f of [dumpName(40), dumpName(50), dumpName(60)]) await writeFile(join(host.backupsDir, f), 'x');
    const result = await transport.run({ action: 'backup.prune', params: { keepDays: 2 } });
    expect(result).toMatchObject({ ok: true, data: { keepDays: 2, kept: [dumpName(40)] } });
    expect(await listDir(host.backupsDir)).toEqual([dumpName(40)]);
  });

  test('a bad keepDays is refused and nothing is deleted', async () => {
    for (const keepDays of [0, -1, 1.5, '7; rm -rf /', 99999]) {
      const result = await transport.run({ action: 'backup.prune', params: { keepDays } as never });
      expect(result.error?.code).toBe('invalid_params');
    }
    expect(await listDir(host.backupsDir)).toEqual([dumpName(40)]);
  });
});

describe('backup.offsite', () => {
  test('copies the newest complete dump with the configured argv and checks it is there', async () => {
    await clearBackups();
    const file = await createDump();
    const result = await transport.run({ action: 'backup.offsite', params: {} });
    expect(result).toMatchObject({ ok: true, data: { file, verified: true } });
    expect((await readFile(join(remote, `rec-${file}`))).equals(await readFile(join(host.backupsDir, file)))).toBe(
      true,
    );
  });

  test('an incomplete dump is never shipped; injected names are refused; nothing reaches the remote', async () => {
    for (const f of await readdir(remote)) await rm(join(remote, f));
    await writeFile(join(host.backupsDir, 'db_2026-01-02.sql'), '-- cut off in the middle');
    const incomplete = await transport.run({ action: 'backup.offsite', params: { file: 'db_2026-01-02.sql' } });
    expect(incomplete).toMatchObject({ ok: false, exitCode: 2, error: { code: 'backup_incomplete' } });
    const missing = await transport.run({ action: 'backup.offsite', params: { file: 'db_1999-01-01.sql' } });
    expect(missing.error?.code).toBe('backup_missing');
    const marker = join(host.dir, 'pwned');
    for (const file of injections(marker)) {
      expect((await transport.run({ action: 'backup.offsite', params: { file } })).error?.code, file).toBe(
        'invalid_params',
      );
      const raw = await rawRequest(host, { v: 1, id: 'o1', action: 'backup.offsite', params: { file } });
      expect(raw.exitCode, file).toBe(2);
    }
    expect(existsSync(marker)).toBe(false);
    expect(await readdir(remote)).toEqual([]);
    await rm(join(host.backupsDir, 'db_2026-01-02.sql'));
  });

  test('a failing copy and a check that does not find the copy both fail', async () => {
    const failing = (offsite: string[], offsiteCheck?: string[]) =>
      new LocalTransport({
        agentConfig: AgentConfigSchema.parse({
          backups: { dir: host.backupsDir, offsite, ...(offsiteCheck ? { offsiteCheck } : {}) },
        }),
        commandTimeoutMs: 10_000,
      });
    const copyFails = await failing(['cp', '--', '{file}', join(host.dir, 'no-such-dir', '{name}')]).run({
      action: 'backup.offsite',
      params: {},
    });
    expect(copyFails).toMatchObject({ ok: false, error: { code: 'action_failed' } });
    expect(copyFails.error?.message).toContain('offsite copy of db_');
    const notThere = await failing(['true', '{file}'], ['echo', 'something-else-{name}.bak']).run({
      action: 'backup.offsite',
      params: {},
    });
    expect(notThere.ok).toBe(false);
    expect(notThere.error?.message).toMatch(/the check does not list it/);
  });

  test(
    'a dump gone from the local disk is fetched back from offsite, checked against its record; a ' +
      'tampered copy is refused',
    async () => {
      await clearBackups();
      for (const f of await readdir(remote)) await rm(join(remote, f));
      const file = await createDump();
      expect((await transport.run({ action: 'backup.offsite', params: { file } })).ok).toBe(true);
      expect((await readdir(remote)).sort()).toEqual([`rec-${file}`, `rec-${file}.sha256`]);
      const original = await readFile(join(host.backupsDir, file));
      await patchAgentConfig(host, {
        backups: { offsiteFetch: ['cp', '--', `${remote}/rec-{name}`, '{file}'], offsiteList: ['ls', '--', remote] },
      });
      const fetching = transportTo(host);
      try {
        // What is offsite, for the doctor's 30-day check: the dump by its name, not its hash record
        // (`ls` prints no sizes: bytes unknown).
        const listed = await fetching.run({ action: 'backup.list', params: {} });
        expect((listed.data as { offsite: unknown }).offsite).toEqual({
          files: [{ file, takenAt: expect.any(String), bytes: null }],
        });
        await rm(join(host.backupsDir, file));
        await rm(join(host.backupsDir, `${file}.sha256`));
        const verified = await fetching.run({ action: 'backup.verify', params: { file } });
        scratchOf(verified);
        expect(verified.error).toBeUndefined();
        expect((await readFile(join(host.backupsDir, file))).equals(original)).toBe(true);
        expect((await stat(join(host.backupsDir, file))).mode & 0o777).toBe(0o600);

        // The offsite copy changed since it was shipped: refused, and nothing lands locally.
        await rm(join(host.backupsDir, file));
        await writeFile(join(remote, `rec-${file}`), Buffer.concat([original, Buffer.from('x')]));
        const tampered = await fetching.run({ action: 'backup.verify', params: { file } });
        expect(tampered).toMatchObject({ ok: false, exitCode: 2, error: { code: 'backup_incomplete' } });
        expect(tampered.error?.message).toContain('does not match its record');
        expect(existsSync(join(host.backupsDir, file))).toBe(false);
        expect((await listDir(host.backupsDir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
      } finally {
        await fetching.close();
        await patchAgentConfig(host, { backups: { offsiteFetch: undefined, offsiteList: undefined } });
      }
    },
  );

  test('without an offsite command: `offsite copy not configured`, nothing runs', async () => {
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({ backups: { dir: host.backupsDir } }),
      commandTimeoutMs: 10_000,
    });
    const result = await local.run({ action: 'backup.offsite', params: {} });
    expect(result).toMatchObject({ ok: false, exitCode: 2, error: { code: 'not_configured' } });
    expect(result.error?.message).toContain('offsite copy not configured');
    expect(result.output).toBe('');
  });
});

describe('backup.verify', () => {
  test('loads the newest dump into a scratch database, reports per-table counts, drops the scratch', async () => {
    await clearBackups();
    const file = await createDump();
    await db.query("INSERT INTO trades (symbol) VALUES ('after-dump')");
    const result = await transport.run({ action: 'backup.verify', params: {} });
    scratchOf(result);
    expect(result.error).toBeUndefined();
    const data = result.data as {
      file: string;
      scratchDb: string;
      tables: unknown[];
      matches: boolean;
      emptyInBackup: string[];
      missingInBackup: string[];
      scratchDropped: boolean;
    };
    expect(result.ok).toBe(true);
    expect(data).toMatchObject({
      file,
      matches: false,
      scratchDropped: true,
      missingInBackup: [],
      emptyInBackup: ['kalshi_market_snapshots'],
    });
    expect(data.tables).toEqual([
      { name: 'btc_price_log', live: 7, restored: 7 },
      { name: 'kalshi_market_snapshots', live: 0, restored: 0 },
      { name: 'trades', live: 5, restored: 4 },
    ]);
    expect(scratchOf(result)).toMatch(/^recio_verify_[0-9a-f]{10}$/);
    expect(await db.databasesLike(data.scratchDb)).toEqual([]);
    await db.query("DELETE FROM trades WHERE symbol = 'after-dump'");
  });

  test(
    'a backup without an expected table fails and flags it; one that does not load fails; both drop ' + 'the scratch',
    async () => {
      // A real dump of a database that lacks trades, as an old or mis-pointed nightly job would make.
      await customDumpOf(
        'CREATE TABLE btc_price_log (ts timestamptz, price numeric); INSERT INTO btc_price_log VALUES (now(), 1)',
        join(host.backupsDir, 'db_2026-02-01.sql'),
      );
      // One whose rows fail their check anywhere but in the database it was dumped from.
      await customDumpOf(
        `CREATE TABLE trades (id int); CREATE TABLE btc_price_log (ts timestamptz, price numeric);
       CREATE FUNCTION at_home() RETURNS boolean LANGUAGE sql AS $$SELECT current_database() LIKE 'recio_dumpsrc%'$$;
       CREATE TABLE zz_late (n int CHECK (at_home())); INSERT INTO zz_late VALUES (1);`,
        join(host.backupsDir, 'db_2026-02-02.sql'),
      );
      const lacking = await transport.run({ action: 'backup.verify', params: { file: 'db_2026-02-01.sql' } });
      scratchOf(lacking);
      expect(lacking).toMatchObject({
        ok: false,
        error: { code: 'tables_missing' },
        data: { loaded: true, missingInBackup: ['kalshi_market_snapshots', 'trades'], scratchDropped: true },
      });
      expect(lacking.error?.message).toContain('lacks expected tables: trades');
      const broken = await transport.run({ action: 'backup.verify', params: { file: 'db_2026-02-02.sql' } });
      scratchOf(broken);
      expect(broken).toMatchObject({ ok: false, data: { loaded: false, scratchDropped: true } });
      expect(broken.error?.message).toContain('violates check constraint');
      for (const result of [lacking, broken]) expect(await db.databasesLike(scratchOf(result))).toEqual([]);
    },
  );

  test('a load cut off by the deadline still drops its scratch database', async () => {
    // Each row's check sleeps a minute outside the database it was dumped from.
    await customDumpOf(
      `CREATE TABLE trades (id int); CREATE TABLE btc_price_log (ts timestamptz, price numeric);
       CREATE FUNCTION slow_away() RETURNS boolean LANGUAGE sql
         AS $$SELECT current_database() LIKE 'recio_dumpsrc%' OR pg_sleep(60) IS NULL$$;
       CREATE TABLE zz_slow (n int CHECK (slow_away())); INSERT INTO zz_slow VALUES (1);`,
      join(host.backupsDir, 'db_2026-02-03.sql'),
    );
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        backups: { dir: host.backupsDir },
        db: { psql: db.psql, pgRestore: db.pgRestore, scratch: db.scratch },
      }),
      commandTimeoutMs: 10_000,
    });
    const result = await local.run(
      { action: 'backup.verify', params: { file: 'db_2026-02-03.sql' } },
      { deadlineMs: 3_000 },
    );
    scratchOf(result);
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      error: { code: 'step_timeout' },
      data: { scratchDropped: true },
    });
    expect(await db.databasesLike(scratchOf(result))).toEqual([]);
  });

  test(
    'a plain SQL dump with a shell escape is refused, not loaded: nothing runs, no scratch database ' +
      '(issue 12 item 8)',
    async () => {
      const marker = join(host.dir, 'meta-command-ran');
      // What `pg_dump > file` writes, plus the line an attacker with write access to the dir adds.
      await writeFile(
        join(host.backupsDir, 'db_2026-02-04.sql'),
        `--\n-- PostgreSQL database dump\n--\n\\! touch ${marker}\nCREATE TABLE public.trades (id int);\n` +
          '--\n-- PostgreSQL database dump complete\n--\n',
      );
      const before = await db.databasesLike('recio_verify_');
      const result = await transport.run({ action: 'backup.verify', params: { file: 'db_2026-02-04.sql' } });
      expect(result).toMatchObject({ ok: false, exitCode: 2, error: { code: 'backup_incomplete' } });
      expect(result.error?.message).toContain('not a pg_dump custom-format archive');
      expect(existsSync(marker)).toBe(false);
      expect(await db.databasesLike('recio_verify_')).toEqual(before);
      await rm(join(host.backupsDir, 'db_2026-02-04.sql'));
    },
  );

  test('injected names are refused and no scratch database is made', async () => {
    const before = await db.databasesLike('recio_verify_');
    for (const file of injections(join(host.dir, 'pwned'))) {
      expect((await transport.run({ action: 'backup.verify', params: { file } })).error?.code, file).toBe(
        'invalid_params',
      );
      const raw = await rawRequest(host, { v: 1, id: 'v1', action: 'backup.verify', params: { file } });
      expect(raw.result, file).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
    expect(existsSync(join(host.dir, 'pwned'))).toBe(false);
    const missing = await transport.run({ action: 'backup.verify', params: { file: 'db_1999-01-01.sql' } });
    expect(missing).toMatchObject({ ok: false, exitCode: 2, error: { code: 'backup_missing' } });
    expect(await db.databasesLike('recio_verify_')).toEqual(before);
  });
});

describe('backup.create', () => {
  test(
    'three dumps asked at once (the nightly one and two people) each get their own file; none is ' +
      'lost or overwritten',
    async () => {
      await clearBackups();
      const results = await Promise.all([1, 2, 3].map(() => transport.run({ action: 'backup.create', params: {} })));
      for (const result of results) expect(result.ok, JSON.stringify(result.error)).toBe(true);
      const files = results.map((r) => (r.data as { file: string }).file);
      expect(new Set(files).size).toBe(3);
      expect(files.filter((f) => f === dumpName(0))).toHaveLength(1);
      expect((await listDir(host.backupsDir)).filter((f) => !f.startsWith('.'))).toEqual(
        files.flatMap((f) => [f, `${f}.sha256`]).sort(),
      );
      expect((await listDir(host.backupsDir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    },
  );
});

describe('dumps are private and carry their hash (issue 12 item 12)', () => {
  test('a dump is a 0600 custom-format archive in a 0700 dir, its SHA-256 beside it; backup.list says so', async () => {
    await clearBackups();
    // A dir left world-readable by an older install is narrowed by the next dump.
    await chmod(host.backupsDir, 0o755);
    const file = await createDump();
    const path = join(host.backupsDir, file);
    expect((await stat(host.backupsDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}.sha256`)).mode & 0o777).toBe(0o600);
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(await readFile(`${path}.sha256`, 'utf8')).toBe(`${sha}  ${file}\n`);
    // sha256sum reads it as written: the check a person runs by hand.
    expect((await execa('sha256sum', ['-c', `${file}.sha256`], { cwd: host.backupsDir })).stdout).toBe(`${file}: OK`);
    const listed = await transport.run({ action: 'backup.list', params: {} });
    expect(listed).toMatchObject({ ok: true, data: { newest: { file, mode: '0600', sha256: sha } } });
  });

  test('prune removes a dump and its hash together', async () => {
    await clearBackups();
    const old = dumpName(30);
    await writeFile(join(host.backupsDir, old), 'x');
    await writeFile(join(host.backupsDir, `${old}.sha256`), `${'0'.repeat(64)}  ${old}\n`);
    await createDump();
    const result = await transport.run({ action: 'backup.prune', params: {} });
    expect(result).toMatchObject({ ok: true, data: { deleted: [{ file: old }] } });
    expect((await listDir(host.backupsDir)).filter((f) => f.startsWith(old))).toEqual([]);
  });
});
