import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig, parseFleet } from '@recio/bot/config';
import { isRecioError } from '@recio/protocol/errors';
import { ownedTempDir } from '../support/leftovers.js';

const KEY = `SHA256:${'A'.repeat(43)}`;
let dir: string;

beforeAll(async () => {
  dir = await ownedTempDir('config');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (isRecioError(error, 'config_invalid')) return error.context.problems as string[];
    throw error;
  }
  throw new Error('expected a config_invalid error');
};

describe('loadConfig', () => {
  test('defaults with an empty environment: no fleet, local host, embedded store', () => {
    const config = loadConfig({});
    expect(config.fleet).toBeUndefined();
    expect(config.env).toMatchObject({
      PORT: 3000,
      RECIO_DATA_DIR: './data',
      RECIO_SSH_CONNECT_TIMEOUT_MS: 5000,
      LOG_LEVEL: 'info',
    });
  });

  test('empty strings count as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', RECIO_FLEET: '' }).env).toMatchObject({
      PORT: 3000,
      DATABASE_URL: undefined,
    });
  });

  test('a bad fleet file is refused with every problem listed by path', async () => {
    const path = join(dir, 'fleet.yml');
    await writeFile(
      path,
      [
        'hosts:',
        `  - { name: db1, address: 10.0.0.5, port: 22, user: recio, hostKey: "${KEY}", roles: [db] }`,
        '  - { name: app1, address: 10.0.0.6, port: 70000, user: recio, hostKey: "ssh-rsa AAAA", roles: [cache] }',
        `  - { name: db1, address: 10.0.0.7, user: recio, hostKey: "${KEY}", roles: [app] }`,
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ RECIO_FLEET: path, RECIO_SSH_KEY: '/k', PORT: 'eighty' }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(new RegExp(`^${path}: hosts\\[1\\]\\.hostKey: expected SHA256:`)),
        expect.stringMatching(new RegExp(`^${path}: hosts\\[1\\]\\.port: `)),
        expect.stringMatching(new RegExp(`^${path}: hosts\\[1\\]\\.roles\\[0\\]: `)),
        `${path}: hosts[2].name: duplicate of hosts[0].name "db1"`,
      ]),
    );
  });

  test('a fleet without an SSH key, an unreadable file and bad YAML are each named', () => {
    expect(problemsOf(() => loadConfig({ RECIO_FLEET: join(dir, 'missing.yml') }))[0]).toMatch(
      /^RECIO_FLEET: cannot read /,
    );
    expect(parseFleet('hosts: [', 'f.yml')).toEqual([expect.stringMatching(/^f\.yml: not valid YAML/)]);
    expect(parseFleet(`hosts:\n  - { name: local, address: x, hostKey: "${KEY}", roles: [db] }`, 'f.yml')).toEqual([
      'f.yml: hosts[0].name: "local" is reserved for the bot\'s own host',
    ]);
  });

  test('a good fleet file loads with its defaults', async () => {
    const path = join(dir, 'good.yml');
    await writeFile(path, `hosts:\n  - { name: db1, address: 10.0.0.5, hostKey: "${KEY}", roles: [db, app] }\n`);
    const config = loadConfig({ RECIO_FLEET: path, RECIO_SSH_KEY: '/etc/recio/id_ed25519' });
    expect(config.fleet?.hosts[0]).toEqual({
      name: 'db1',
      address: '10.0.0.5',
      port: 22,
      user: 'recio',
      hostKey: KEY,
      roles: ['db', 'app'],
    });
  });
});

describe('RECIO_CLI_USERS', () => {
  test('maps unix users to Slack ids; unset maps nobody', () => {
    expect(loadConfig({}).env.RECIO_CLI_USERS).toEqual({});
    expect(loadConfig({ RECIO_CLI_USERS: 'alice:U0ALICE01, bob:W0BOB0001' }).env.RECIO_CLI_USERS).toEqual({
      alice: 'U0ALICE01',
      bob: 'W0BOB0001',
    });
  });

  test('a malformed entry, a group id or a user mapped twice stops the boot, by name', () => {
    const problems = problemsOf(() =>
      loadConfig({ RECIO_CLI_USERS: 'alice:U0ALICE01,alice:U0OTHER01,bob,carol:S0LEADS01' }),
    );
    expect(problems.join('\n')).toContain('alice is mapped twice');
    expect(problems.join('\n')).toContain('"bob": expected unixuser:SlackUserId');
    expect(problems.join('\n')).toContain('"carol:S0LEADS01": expected unixuser:SlackUserId');
  });
});

describe('RECIO_BREAK_GLASS_AFTER_MINUTES', () => {
  test('10 minutes by default; `off` turns it off; 0 and decimals are minutes', () => {
    expect(loadConfig({}).env.RECIO_BREAK_GLASS_AFTER_MINUTES).toBe(10);
    expect(loadConfig({ RECIO_BREAK_GLASS_AFTER_MINUTES: '' }).env.RECIO_BREAK_GLASS_AFTER_MINUTES).toBe(10);
    expect(loadConfig({ RECIO_BREAK_GLASS_AFTER_MINUTES: 'off' }).env.RECIO_BREAK_GLASS_AFTER_MINUTES).toBeNull();
    expect(loadConfig({ RECIO_BREAK_GLASS_AFTER_MINUTES: '0' }).env.RECIO_BREAK_GLASS_AFTER_MINUTES).toBe(0);
    expect(loadConfig({ RECIO_BREAK_GLASS_AFTER_MINUTES: '2.5' }).env.RECIO_BREAK_GLASS_AFTER_MINUTES).toBe(2.5);
  });

  test('anything else stops the boot, by name', () => {
    expect(
      problemsOf(() => loadConfig({ RECIO_BREAK_GLASS_AFTER_MINUTES: '20', RECIO_APPROVAL_TTL_MINUTES: '15' })),
    ).toEqual([expect.stringContaining('is not under RECIO_APPROVAL_TTL_MINUTES (15)')]);
    for (const value of ['never', '-1', '99999', 'OFF ']) {
      expect(problemsOf(() => loadConfig({ RECIO_BREAK_GLASS_AFTER_MINUTES: value })).join('\n')).toContain(
        'RECIO_BREAK_GLASS_AFTER_MINUTES',
      );
    }
  });
});
