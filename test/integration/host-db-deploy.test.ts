import { readFile, mkdir, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { LocalTransport } from '@recio/bot/hosts/local-transport';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { startTestHost, type TestHost } from '../support/test-host.js';

let db: TestDatabase;
let host: TestHost;
let transport: SshTransport;
let repo: string;

const git = (...args: string[]) => execa('git', ['-C', repo, ...args]);

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(
    'CREATE TABLE trades (id serial primary key, symbol text); ' +
      'CREATE TABLE btc_price_log (ts timestamptz, price numeric)',
  );
  await db.query("INSERT INTO trades (symbol) VALUES ('BTC-100K')");
  host = await startTestHost({
    agentConfig: {
      db: {
        status: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
        psql: db.psql,
        pgDump: db.pgDump,
        expectedTables: ['trades', 'btc_price_log', 'kalshi_market_snapshots'],
        env: { PGPASSWORD: 'hunter2-not-a-real-one' },
      },
      deploy: { repo: '/placeholder' },
    },
  });
  repo = join(host.dir, 'rec_io_v2');
  await mkdir(repo);
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(join(repo, 'requirements.txt'), 'requests==2.32.0\n');
  await git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
  await git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'release');
  await git('tag', 'v2.4.0');
  await execa('chmod', ['-R', 'a+rX', repo]);
  await chmod(host.dir, 0o755);
  const config = (await readFile(host.agentConfigPath, 'utf8')).replace('/placeholder', repo);
  await writeFile(host.agentConfigPath, config);
  transport = new SshTransport({
    host: host.fleetHost,
    privateKey: host.clientKey.privateKey,
    connectTimeoutMs: 3_000,
    commandTimeoutMs: 30_000,
  });
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
  await db?.drop();
});

describe('database actions over SSH against a real PostgreSQL', () => {
  test("db.tables reports the missing table (the plan's \\dt check)", async () => {
    const result = await transport.run({ action: 'db.tables', params: {} });
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ code: 'tables_missing', message: 'missing tables: kalshi_market_snapshots' });
    expect(result.data).toMatchObject({ missing: ['kalshi_market_snapshots'] });
    expect((result.data as { present: string[] }).present).toEqual(['btc_price_log', 'trades']);
  });

  test('db.tables passes once the table exists', async () => {
    await db.query('CREATE TABLE kalshi_market_snapshots (ts timestamptz)');
    const result = await transport.run({ action: 'db.tables', params: {} });
    expect(result).toMatchObject({ ok: true, data: { missing: [] } });
  });

  test('db.status says the server is active and answers queries', async () => {
    const result = await transport.run({ action: 'db.status', params: {} });
    expect(result).toMatchObject({ ok: true, data: { active: true, reachable: true } });
  });

  test('backup.create writes a complete db_YYYY-MM-DD.sql and backup.list shows it with its age', async () => {
    const created = await transport.run({ action: 'backup.create', params: {} });
    expect(created.ok).toBe(true);
    const file = (created.data as { file: string }).file;
    expect(file).toMatch(/^db_\d{4}-\d{2}-\d{2}\.sql$/);
    // The plan's file name, pg_dump's custom format: pg_restore reads it back as SQL.
    expect((await readFile(join(host.backupsDir, file))).subarray(0, 5).toString()).toBe('PGDMP');
    const dump = (await execa('pg_restore', ['--file=-', join(host.backupsDir, file)])).stdout;
    expect(dump).toContain('CREATE TABLE public.trades');
    expect(dump).toContain('BTC-100K');
    const second = await transport.run({ action: 'backup.create', params: {} });
    expect((second.data as { file: string }).file).toMatch(/^db_\d{4}-\d{2}-\d{2}_\d{6}\.sql$/);
    const listed = await transport.run({ action: 'backup.list', params: {} });
    const backups = (listed.data as { backups: Array<{ file: string; ageSeconds: number; bytes: number }> }).backups;
    expect(backups.map((b) => b.file).sort()).toEqual([file, (second.data as { file: string }).file].sort());
    expect(backups.every((b) => b.bytes > 0 && b.ageSeconds >= 0)).toBe(true);
  });
});

describe('deploy and the local transport', () => {
  test('deploy.current names the commit and the tag checked out (the repo belongs to another user)', async () => {
    const result = await transport.run({ action: 'deploy.current', params: {} });
    expect(result.ok).toBe(true);
    const head = (await git('rev-parse', 'HEAD')).stdout.trim();
    expect(result.data).toMatchObject({ commit: head, tag: 'v2.4.0', branch: 'main' });
  });

  test('the local transport runs the same actions in-process, under the same allowlist', async () => {
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        supervisorctl: host.supervisor.supervisorctl,
        services: ['trade_manager'],
      }),
      commandTimeoutMs: 10_000,
    });
    const status = await local.run({ action: 'service.status', params: { service: 'trade_manager' } });
    expect(status).toMatchObject({ host: 'local', ok: true });
    const refused = await local.run({ action: 'service.restart', params: { service: 'trade_executor' } });
    expect(refused.error?.code).toBe('unknown_service');
  });

  test('secrets from the agent config are scrubbed from output and data before they leave the agent', async () => {
    const secret = 'hunter2-not-a-real-one';
    const local = new LocalTransport({
      agentConfig: AgentConfigSchema.parse({
        db: {
          status: ['echo', `connected with password ${secret} to postgres://rec:${secret}@db/rec`],
          psql: ['echo', secret],
          env: { PGPASSWORD: secret },
        },
      }),
      commandTimeoutMs: 10_000,
    });
    const result = await local.run({ action: 'db.status', params: {} });
    expect(result.output).toContain('connected with password');
    expect(JSON.stringify(result)).not.toContain(secret);
    expect((result.data as { state: string }).state).toContain('[redacted]');
  });
});
