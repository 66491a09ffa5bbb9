import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { pgbackrestTime } from '@recio/agent/actions/db-pitr';
import { applyOperation } from '@recio/agent/install/apply';
import { resolveInstallPaths } from '@recio/agent/install/install-paths';
import {
  checkSudoersFileName,
  renderSudoers,
  resolveOnSecurePath,
  sudoRulesFor,
  type SudoRule,
} from '@recio/agent/install/sudo-rules';

const IS_ROOT = process.getuid?.() === 0;
const config = (raw: object) => AgentConfigSchema.parse(raw);

describe('sudo rules from an agent config', () => {
  test('the default config needs one rule: restarting PostgreSQL, with systemctl found where sudo finds it', () => {
    const rules = sudoRulesFor(config({}));
    expect(rules).toEqual([
      {
        runAs: 'root',
        command: resolveOnSecurePath('systemctl'),
        args: ['restart', 'postgresql'],
        source: 'db.restart',
      },
    ]);
    expect(
      renderSudoers('recio', rules, '/etc/recio/agent.yml')
        .split('\n')
        .filter((l) => !l.startsWith('#') && l !== ''),
    ).toEqual([`recio ALL=(root) NOPASSWD: ${resolveOnSecurePath('systemctl')} restart postgresql`]);
  });

  test('a config without sudo needs no rule', () => {
    expect(sudoRulesFor(config({ db: { restart: ['systemctl', 'restart', 'postgresql'] } }))).toEqual([]);
  });

  test('-u picks the target user, -n and -- are understood, and a command with no arguments allows none', () => {
    const rules = sudoRulesFor(
      config({
        db: {
          status: ['sudo', '-n', '-u', 'postgres', '--', '/usr/bin/pg_isready'],
          restart: ['/usr/bin/sudo', '--user=root', 'true'],
        },
      }),
    );
    expect(rules).toEqual([
      { runAs: 'postgres', command: '/usr/bin/pg_isready', args: [], source: 'db.status' },
      { runAs: 'root', command: resolveOnSecurePath('true'), args: [], source: 'db.restart' },
    ]);
    expect(renderSudoers('recio', rules, '/c')).toContain('recio ALL=(postgres) NOPASSWD: /usr/bin/pg_isready ""');
  });

  test('every sudo that no exact rule can cover is refused, all listed at once', () => {
    const bad = config({
      supervisorctl: ['sudo', 'supervisorctl'],
      db: {
        psql: ['sudo', '-u', 'postgres', 'psql'],
        status: ['sudo', '-E', '/usr/bin/true'],
        restart: ['sudo', '-n', 'no-such-program-x9'],
        scratch: { create: ['sudo', 'createdb', '{db}'] },
      },
      deploy: { git: ['sudo', '-u', 'rec', 'git'] },
    });
    let message = '';
    try {
      sudoRulesFor(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^the agent config asks for sudo/);
    for (const path of ['supervisorctl:', 'db.psql:', 'db.scratch.create:', 'deploy.git:'])
      expect(message).toContain(`${path} `);
    expect(message).toContain('db.status: sudo option -E is not supported');
    expect(message).toContain("db.restart: no-such-program-x9 is not on sudo's secure_path");
  });

  test.each([['two words'], ['*'], ['"quoted"'], ['a\\b'], ['$(id)']])(
    'argument %j is refused: sudoers could not match it exactly',
    (arg) => {
      expect(() => sudoRulesFor(config({ db: { restart: ['sudo', '/usr/bin/echo', arg] } }))).toThrow(
        /cannot match exactly/,
      );
    },
  );

  test('a drop-in name sudo would skip is refused up front', () => {
    expect(() => checkSudoersFileName('/etc/sudoers.d/recio.agent')).toThrow(/sudo ignores/);
    expect(() => checkSudoersFileName('/etc/sudoers.d/recio-agent~')).toThrow(/sudo ignores/);
    expect(() => resolveInstallPaths({ user: 'recio', sudoersPath: '/etc/sudoers.d/recio.conf' })).toThrow(
      /sudo ignores/,
    );
    expect(() => checkSudoersFileName('/etc/sudoers.d/recio-agent')).not.toThrow();
  });
});

describe.skipIf(!IS_ROOT)('sudo obeys the rendered drop-in exactly', () => {
  const id = randomBytes(3).toString('hex');
  const user = `recio-sudo-${id}`;
  const dropIn = `/etc/sudoers.d/recio-sudo-${id}`;

  beforeAll(async () => {
    if (resolveOnSecurePath('visudo') === undefined)
      throw new Error('sudo is not installed: apt-get install -y sudo (.ci/run installs it)');
    await execa('useradd', ['--system', '--shell', '/bin/sh', '--password', '*', user]);
  });

  afterAll(async () => {
    await rm(dropIn, { force: true });
    await execa('userdel', [user], { reject: false });
  });

  const asUser = (...argv: string[]) => execa('runuser', ['-u', user, '--', 'sudo', '-n', ...argv], { reject: false });

  test('escaped arguments, empty argument lists and run-as users match exactly, and nothing else does', async () => {
    const rules: SudoRule[] = [
      { runAs: 'root', command: '/usr/bin/echo', args: ['--tag=a:b,c', 'x@y%z'], source: 'db.status' },
      { runAs: 'root', command: '/usr/bin/true', args: [], source: 'db.restart' },
      { runAs: 'nobody', command: '/usr/bin/id', args: ['-un'], source: 'db.restart' },
    ];
    await applyOperation({ kind: 'write-sudoers', path: dropIn, content: renderSudoers(user, rules, '/test') });
    expect((await execa('visudo', ['-c'])).exitCode).toBe(0);

    expect((await asUser('/usr/bin/echo', '--tag=a:b,c', 'x@y%z')).stdout).toBe('--tag=a:b,c x@y%z');
    expect((await asUser('/usr/bin/true')).exitCode).toBe(0);
    expect((await asUser('-u', 'nobody', '/usr/bin/id', '-un')).stdout).toBe('nobody');
    // sudo looks a bare name up along secure_path, as the rules' absolute paths assume.
    expect((await asUser('true')).exitCode).toBe(0);

    for (const refused of [
      ['/usr/bin/echo', '--tag=a:b,d', 'x@y%z'],
      ['/usr/bin/echo', '--tag=a:b,c'],
      ['/usr/bin/true', 'extra'],
      ['/usr/bin/id', '-un'],
      ['-u', 'nobody', '/usr/bin/id'],
      ['/usr/bin/id'],
    ]) {
      const result = await asUser(...refused);
      expect(result.exitCode, refused.join(' ')).not.toBe(0);
      expect(result.stderr, refused.join(' ')).toMatch(/password is required/);
    }
  });

  test('--pitr: pgbackrest info and check exactly; restore only with a UTC time as target, nothing added', async () => {
    // echo stands in for pgbackrest: what matters is which argv sudo lets through.
    const pitr = {
      enabled: true,
      pgbackrest: ['sudo', '-n', '-u', 'nobody', '/usr/bin/echo', '--stanza=recio'],
      stop: ['sudo', '-n', '/usr/bin/true', 'stop'],
      start: ['sudo', '-n', '/usr/bin/true', 'start'],
    };
    const rules = sudoRulesFor(config({ db: { restart: ['/usr/bin/true'], pitr } }));
    expect(rules.map((r) => r.source)).toEqual(
      Array(3).fill('db.pitr.pgbackrest').concat('db.pitr.stop', 'db.pitr.start'),
    );
    await applyOperation({ kind: 'write-sudoers', path: dropIn, content: renderSudoers(user, rules, '/test') });
    expect((await execa('visudo', ['-c'])).exitCode).toBe(0);
    const echo = ['-u', 'nobody', '/usr/bin/echo', '--stanza=recio'];
    const restore = (target: string, ...more: string[]) => [
      ...echo,
      '--delta',
      '--type=time',
      `--target=${target}`,
      '--target-action=promote',
      ...more,
      'restore',
    ];
    expect((await asUser(...echo, 'info', '--output=json')).exitCode).toBe(0);
    expect((await asUser(...echo, 'check')).exitCode).toBe(0);
    for (const target of ['2026-11-27T16:59:59Z', '2026-12-03T07:21:07.089Z'])
      expect((await asUser(...restore(pgbackrestTime(target)))).exitCode, target).toBe(0);
    expect((await asUser('/usr/bin/true', 'stop')).exitCode).toBe(0);
    for (const refused of [
      [...echo, 'info'],
      [...echo, 'check', '--repo1-path=/tmp'],
      restore('2026-11-27 16:59:59+00', '--repo1-path=/tmp'),
      restore('2026-11-27 16:59:59+00 --repo1-path=/tmp'),
      restore('now'),
      restore('2026-11-27 16:59:59+01'),
      ['-u', 'nobody', '/usr/bin/echo', '--stanza=other', 'check'],
    ]) {
      const result = await asUser(...refused);
      expect(result.exitCode, refused.join(' ')).not.toBe(0);
      expect(result.stderr, refused.join(' ')).toMatch(/password is required/);
    }
  });

  test('a drop-in visudo rejects never reaches sudoers.d, and no temp file is left', async () => {
    const path = `/etc/sudoers.d/recio-bad-${id}`;
    await expect(
      applyOperation({ kind: 'write-sudoers', path, content: `${user} ALL=(root NOPASSWD: /usr/bin/true\n` }),
    ).rejects.toThrow(/visudo/);
    // Other suites may add their own drop-ins meanwhile: look for ours (and its temp file) only.
    expect((await readdir('/etc/sudoers.d')).filter((name) => name.includes(`recio-bad-${id}`))).toEqual([]);
    expect((await execa('visudo', ['-c'])).exitCode).toBe(0);
  });
});
