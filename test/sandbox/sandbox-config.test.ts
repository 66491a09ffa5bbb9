import { Command } from 'commander';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { parseAgentConfig } from '@recio/agent/agent-config';
import { registerSandboxCommands } from '@recio/sandbox/sandbox-commands';
import { argvMentions } from '@recio/sandbox/detached-process';
import { renderAgentConfig } from '@recio/sandbox/sandbox-agent';
import { sandboxPaths } from '@recio/sandbox/sandbox-paths';
import { SandboxTuning, type SandboxState } from '@recio/sandbox/sandbox-state';
import { renderSupervisorConfig } from '@recio/sandbox/sandbox-supervisor';

// The sandbox's generated files and guards, without starting anything (the lifecycle test runs them).
const paths = sandboxPaths('/tmp/recio-sbx-unit');
const state: SandboxState = {
  version: 1,
  createdAt: '2026-11-26T00:00:00.000Z',
  user: { name: 'recio-sbx', uid: 990, gid: 990, created: true },
  ports: { postgres: 41001, ssh: 41002, web: 41003, kalshi: 41004, coinbase: 41005 },
  db: {
    binDir: '/usr/lib/postgresql/15/bin',
    database: 'rec_io',
    user: 'rec_io',
    password: 'pw-0123456789abcdef',
    adminUser: 'sbx_admin',
    adminPassword: 'admin-0123456789',
  },
  tuning: SandboxTuning.parse({}),
  faults: [],
};

describe('sandbox paths', () => {
  test('a plain absolute dir is taken; one that could break authorized_keys or a script is refused', () => {
    expect(paths.agentConfig).toBe('/tmp/recio-sbx-unit/agent/agent.yml');
    expect(() => sandboxPaths('/tmp/with space')).toThrow(/plain path/);
    expect(() => sandboxPaths('/tmp/a"b')).toThrow(/plain path/);
    expect(() => sandboxPaths('/')).toThrow(/cannot be \//);
    expect(() => sandboxPaths(`/tmp/${'d'.repeat(90)}`)).toThrow(/107-byte limit/);
  });

  test('leftover scan matches the dir and paths under it, not a sibling that shares its prefix', () => {
    expect(argvMentions(['postgres', '-D', '/tmp/sbx/pg/data'], '/tmp/sbx')).toBe(true);
    expect(argvMentions(['supervisord', '-c', '/tmp/sbx'], '/tmp/sbx')).toBe(true);
    expect(argvMentions(['postgres', '-D', '/tmp/sbx2/pg/data'], '/tmp/sbx')).toBe(false);
  });
});

describe('the sandbox agent config', () => {
  const text = renderAgentConfig(paths, state);
  const config = parseAgentConfig(text, 'agent.yml');

  test('every action points at the sandbox: its socket, cluster, backups, repo', () => {
    expect(config.services).toHaveLength(6);
    expect(config.supervisorctl.slice(-2)).toEqual(['-c', paths.supervisorConfig]);
    expect(config.db.status).toEqual(['/usr/lib/postgresql/15/bin/pg_isready', '-h', '127.0.0.1', '-p', '41001']);
    expect(config.db.restart).toEqual(
      expect.arrayContaining(['/usr/lib/postgresql/15/bin/pg_ctl', '-D', paths.pgData, 'restart']),
    );
    expect(config.db.psql).toEqual(expect.arrayContaining(['-p', '41001', '-U', 'rec_io', '-d', 'rec_io']));
    expect(config.db.feeds).toEqual({
      btc_price: { table: 'btc_price_log', column: 'ts' },
      kalshi: { table: 'kalshi_market_snapshots', column: 'ts' },
    });
    expect(config.backups.dir).toBe(paths.backupsDir);
    expect(config.deploy.repo).toBe(paths.repo);
    expect(config.deploy.pip.join(' ')).toContain('pip-stand-in.js');
  });

  test('the password is in db.env for the agent to redact, never in an argv', () => {
    expect(config.db.env.PGPASSWORD).toBe(state.db.password);
    const raw = parse(text) as { db: Record<string, unknown> };
    const argvs = JSON.stringify({ ...raw, db: { ...raw.db, env: undefined } });
    expect(argvs).not.toContain(state.db.password);
    expect(text).not.toContain(state.db.adminPassword);
  });
});

describe('the sandbox supervisord config', () => {
  test('six programs run from the release checkout with a crash budget that ends in FATAL', () => {
    const text = renderSupervisorConfig(paths, state.user);
    expect(text.match(/^\[program:/gm)).toHaveLength(6);
    expect(text).toContain(`directory=${paths.repo}`);
    expect(text.match(/^startretries=3$/gm)).toHaveLength(6);
    if (process.getuid?.() === 0) {
      expect(text).toContain('user=recio-sbx');
      expect(text).toContain('chown=0:990');
      expect(text).toContain('chmod=0770');
    }
  });
});

describe('recio sandbox (CLI)', () => {
  const run = async (...args: string[]) => {
    const program = new Command('recio').exitOverride();
    registerSandboxCommands(program, { print: () => undefined, setExitCode: () => undefined });
    return program.parseAsync(['node', 'recio', 'sandbox', ...args]);
  };

  test('an unknown scenario is refused with the known ones, before anything is touched', async () => {
    await expect(run('break', 'meteor-strike', '--dir', '/tmp/recio-sbx-none')).rejects.toThrow(
      /postgres-failure, service-crash, provider-outage, bad-release/,
    );
  });

  test('--tune takes known keys with numbers only', async () => {
    await expect(run('up', '--dir', '/tmp/recio-sbx-none', '--tune', 'warpSpeed=9')).rejects.toThrow(
      /known: .*dbGraceSeconds/,
    );
    await expect(run('up', '--dir', '/tmp/recio-sbx-none', '--tune', 'dbGraceSeconds=soon')).rejects.toThrow(
      /key=number/,
    );
  });
});
