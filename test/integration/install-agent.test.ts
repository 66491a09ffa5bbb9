import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { installLine } from '@recio/agent/install/install-line';
import { writeFileSafely } from '@recio/agent/install/safe-fs';
import { registerInstallCommands } from '@recio/bot/cli/install-commands';
import { resolveOnSecurePath } from '@recio/agent/install/sudo-rules';
import {
  AGENT_ENTRY,
  generateKeyPair,
  opensshClientArgs,
  startSshd,
  type Sshd,
  type SshKeyPair,
} from '../support/sshd.js';
import { startSupervisord, type Supervisord } from '../support/supervisord.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * `recio agent install` for real, as root: a real account, a real sudoers drop-in in
 * /etc/sudoers.d checked by visudo and obeyed by sudo, a real sshd logging in with the bot's key.
 * Files other than those go under a temp prefix (--root-dir). Everything is removed in afterAll.
 */
const IS_ROOT = process.getuid?.() === 0;
const id = randomBytes(3).toString('hex');
const user = `recio-inst-${id}`;
const sudoersPath = `/etc/sudoers.d/recio-inst-${id}`;
const PROGRAMS = ['trade_manager', 'trade_executor'];

let root: string;
let work: string;
let supervisor: Supervisord | undefined;
let sshd: Sshd | undefined;
let botKey: SshKeyPair;

const paths = () => ({
  launcher: join(root, 'usr/local/bin/recio-agent'),
  config: join(root, 'etc/recio/agent.yml'),
  home: join(root, 'home', user),
  keyFile: join(root, 'home', user, '.ssh/authorized_keys'),
  auditDir: join(root, 'var/log/recio-agent'),
});

/** Runs `recio agent …` through the real commander wiring; output lines and exit code come back. */
async function recio(...args: string[]): Promise<{ lines: string[]; text: string; exitCode: number }> {
  const lines: string[] = [];
  let exitCode = 0;
  const program = new Command('recio').exitOverride();
  registerInstallCommands(program, {
    print: (line) => lines.push(line),
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  await program.parseAsync(['node', 'recio', 'agent', ...args]);
  return { lines, text: lines.join('\n'), exitCode };
}

const common = () => ['--user', user, '--root-dir', root, '--sudoers-file', sudoersPath];
const install = (...extra: string[]) =>
  recio(
    'install',
    ...common(),
    '--public-key',
    `${botKey.privateKeyPath}.pub`,
    '--from',
    '127.0.0.1',
    '--supervisor-config',
    supervisor!.configPath,
    ...extra,
  );

const getent = async (db: string, key: string) => {
  const result = await execa('getent', [db, key], { reject: false });
  return result.exitCode === 0 ? result.stdout.split(':') : undefined;
};

/**
 * Every path under the prefix with kind, mode, owner, size, mtime and content hash, plus the account and the
 * drop-in.
 */
async function snapshot(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    const stat = await lstat(path).catch(() => undefined);
    if (stat === undefined) return out.push(`${path} absent`);
    const hash = stat.isFile()
      ? createHash('sha256')
          .update(await readFile(path))
          .digest('hex')
          .slice(0, 16)
      : '';
    // The post-install check is an agent request, which the agent appends to its audit log: not an install change.
    const inAudit = path.startsWith(paths().auditDir);
    out.push(
      `${path} ${stat.mode.toString(8)} ${stat.uid}:${stat.gid} ` +
        (inAudit ? '' : `${stat.size} ${stat.mtimeMs} ${hash}`),
    );
    if (stat.isDirectory() && !inAudit) for (const name of (await readdir(path)).sort()) await walk(join(path, name));
  };
  await walk(root);
  await walk(sudoersPath);
  out.push(JSON.stringify([await getent('passwd', user), await getent('shadow', user), await getent('group', user)]));
  return out;
}

const ruleLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

/** The OpenSSH client with the bot's key, as the bot's ssh transport would log in. */
const ssh = (command: string) =>
  execa('ssh', [...opensshClientArgs(sshd!, botKey, user), command], { reject: false, stdin: 'ignore' });

interface AgentLine {
  type: string;
  ok?: boolean;
  stream?: string;
  data?: unknown;
  error?: { code: string; message: string };
}
const agentLines = (stdout: string): AgentLine[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AgentLine);
const request = (action: string, params: object = {}) => JSON.stringify({ v: 1, id: `t-${action}`, action, params });

describe.skipIf(!IS_ROOT)('recio agent install / uninstall on a real host', () => {
  beforeAll(async () => {
    const missing = ['visudo', 'sudo', 'runuser', 'useradd'].filter(
      (program) => resolveOnSecurePath(program) === undefined,
    );
    if (missing.length > 0)
      throw new Error(`${missing.join(', ')} missing: apt-get install -y sudo (.ci/run installs it)`);
    root = await ownedTempDir('inst-root');
    work = await ownedTempDir('inst-work');
    // The agent's user walks these to its launcher, config and home.
    await chmod(root, 0o755);
    await chmod(work, 0o755);
    supervisor = await startSupervisord(join(work, 'supervisor'), PROGRAMS);
    botKey = await generateKeyPair(join(work, 'bot_key'), 'recio-bot');
  });

  afterAll(async () => {
    await sshd?.stop().catch(() => undefined);
    await supervisor?.stop().catch(() => undefined);
    if (IS_ROOT) {
      await execa('userdel', ['--remove', user], { reject: false });
      await rm(sudoersPath, { force: true });
    }
    if (root) await rm(root, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a dry run prints every change and touches nothing', async () => {
    const before = await snapshot();
    const { text } = await install('--dry-run');
    expect(await snapshot()).toEqual(before);
    expect(await getent('passwd', user)).toBeUndefined();
    expect(text).toContain('dry run: nothing is changed');
    expect(text).toContain(`+ create user ${user}`);
    expect(text).toContain(`+ write ${paths().keyFile} (0640 root:${user})`);
    expect(text).toContain(`+ write ${sudoersPath}`);
    expect(text).toContain(`${user} ALL=(root) NOPASSWD: /usr/bin/systemctl restart postgresql`);
    expect(text).toContain('programs from supervisorctl status (2 programs)');
    expect(text).toMatch(/\d+ changes would be made$/);
  });

  test('--pitr (dry run): the stanza, archive settings, db.pitr in the config and its exact sudo lines', async () => {
    const before = await snapshot();
    const { text } = await install('--pitr', '--pg-cluster', '15/main', '--dry-run');
    expect(await snapshot()).toEqual(before);
    expect(text).toContain(`+ write ${join(root, 'etc/pgbackrest/conf.d/recio.conf')} (0640 root:postgres)`);
    expect(text).toContain(`pg1-path=${join(root, 'var/lib/postgresql/15/main')}`);
    expect(text).toContain(`+ write ${join(root, 'etc/postgresql/15/main/conf.d/recio-pitr.conf')}`);
    expect(text).toContain("archive_command = '/usr/bin/pgbackrest --stanza=recio archive-push %p'");
    expect(text).toContain('enabled: true');
    expect(text).toContain(`${user} ALL=(postgres) NOPASSWD: /usr/bin/pgbackrest --stanza\\=recio check`);
    expect(text).toContain(`${user} ALL=(postgres) NOPASSWD: /usr/bin/pgbackrest ^--stanza=recio --delta --type=time`);
    expect(text).toContain(`${user} ALL=(root) NOPASSWD: /usr/bin/systemctl stop postgresql`);
    expect(text).toContain('--pitr: cluster 15/main; restart PostgreSQL once for archive_mode');
    const bad = await install('--pitr', '--pg-cluster', '../15', '--dry-run').catch((error: Error) => error);
    expect(String(bad instanceof Error ? bad.message : bad.text)).toContain('--pg-cluster must be <version>/<name>');
  });

  test(
    'install makes the account, forced-command key, config and an exact sudoers drop-in; ' +
      'the agent answers as the user',
    async () => {
      const { text, exitCode } = await install();
      expect(exitCode, text).toBe(0);
      expect(text).toMatch(new RegExp(`✔ agent answers as ${user}: 2 programs`));

      const passwd = await getent('passwd', user);
      expect(passwd?.[6]).toBe('/bin/sh');
      expect(passwd?.[5]).toBe(paths().home);
      expect((await getent('shadow', user))?.[1]).toBe('*');
      const uid = Number(passwd?.[2]);

      // The key file, ~/.ssh and the home are root's: the account reads its key line but cannot change it.
      const gid = Number(passwd?.[3]);
      for (const [path, mode] of [
        [paths().keyFile, 0o640],
        [join(paths().home, '.ssh'), 0o750],
        [paths().home, 0o750],
      ] as const) {
        const stat = await lstat(path);
        expect([stat.mode & 0o7777, stat.uid, stat.gid], path).toEqual([mode, 0, gid]);
      }
      expect(uid).not.toBe(0);
      const expectedLine = installLine({
        publicKey: botKey.publicKey,
        agentPath: paths().launcher,
        configPath: paths().config,
        from: '127.0.0.1',
      });
      expect(await readFile(paths().keyFile, 'utf8')).toBe(`${expectedLine}\n`);
      expect(expectedLine).toMatch(
        /^restrict,from="127\.0\.0\.1",command="\S+recio-agent --config \S+agent\.yml" ssh-ed25519 /,
      );

      const config = parseYaml(await readFile(paths().config, 'utf8')) as {
        services: string[];
        supervisorctl: string[];
      };
      expect([...config.services].sort()).toEqual([...PROGRAMS].sort());
      expect(config.supervisorctl).toEqual(['supervisorctl', '-c', supervisor!.configPath]);
      const configStat = await lstat(paths().config);
      expect([configStat.mode & 0o7777, configStat.uid, configStat.gid]).toEqual([0o640, 0, Number(passwd?.[3])]);
      expect(await readFile(paths().launcher, 'utf8')).toContain(`exec ${process.execPath} ${AGENT_ENTRY} "$@"`);

      const sudoers = await readFile(sudoersPath, 'utf8');
      expect(ruleLines(sudoers)).toEqual([`${user} ALL=(root) NOPASSWD: /usr/bin/systemctl restart postgresql`]);
      expect((await lstat(sudoersPath)).mode & 0o7777).toBe(0o440);
      expect((await execa('visudo', ['-c', '-f', sudoersPath], { reject: false })).exitCode).toBe(0);
      const listed = await execa('sudo', ['-l', '-U', user]);
      expect(listed.stdout.split('\n').filter((l) => l.includes('NOPASSWD'))).toEqual([
        '    (root) NOPASSWD: /usr/bin/systemctl restart postgresql',
      ]);
    },
  );

  test('a second install changes nothing and says so', async () => {
    const before = await snapshot();
    const { text, exitCode } = await install();
    expect(exitCode).toBe(0);
    expect(text).toContain(`nothing to change: the agent for ${user} is installed as wanted`);
    expect(await snapshot()).toEqual(before);
  });

  test(
    'install repairs drift: a locked account, a login shell, ' + 'loose key permissions, a hand-edited drop-in',
    async () => {
      await execa('usermod', ['--password', '!', '--shell', '/bin/bash', user]);
      await chmod(paths().keyFile, 0o644);
      await chmod(sudoersPath, 0o440);
      await writeFile(sudoersPath, `${await readFile(sudoersPath, 'utf8')}${user} ALL=(root) NOPASSWD: /usr/bin/id\n`);
      const { text } = await install();
      expect(text).toContain(`~ update user ${user}: shell → /bin/sh; password field`);
      expect(text).toContain(`~ chmod/chown ${paths().keyFile}: 0644`);
      expect(text).toContain(`- ${user} ALL=(root) NOPASSWD: /usr/bin/id`);
      expect(text).toContain('3 changes made');
      expect((await getent('passwd', user))?.[6]).toBe('/bin/sh');
      expect((await getent('shadow', user))?.[1]).toBe('*');
      expect((await lstat(paths().keyFile)).mode & 0o7777).toBe(0o640);
      expect(ruleLines(await readFile(sudoersPath, 'utf8'))).toEqual([
        `${user} ALL=(root) NOPASSWD: /usr/bin/systemctl restart postgresql`,
      ]);
      expect((await install()).text).toContain('nothing to change');
    },
  );

  test(
    'the config decides the sudo rules; ' +
      'over real SSH the agent runs as the user and sudo allows exactly those argv',
    async () => {
      // The host's admin edits the config: db.status now needs root (a stand-in for a privileged check).
      const adminConfig = {
        host: 'inst-test',
        services: PROGRAMS,
        supervisorctl: ['supervisorctl', '-c', supervisor!.configPath],
        db: {
          status: ['sudo', '-n', '/usr/bin/id', '-un'],
          restart: ['/usr/bin/true'],
          env: { PGPASSWORD: 'pg-pw-4242' },
        },
        secrets: ['admin-secret-77'],
        auditLog: join(paths().auditDir, 'audit.log'),
      };
      await writeFile(paths().config, stringify(adminConfig));
      const dry = await install('--dry-run');
      expect(dry.text).toContain(`~ rewrite ${sudoersPath}`);
      expect(dry.text).toContain(`- ${user} ALL=(root) NOPASSWD: /usr/bin/systemctl restart postgresql`);
      expect(dry.text).toContain(`+ ${user} ALL=(root) NOPASSWD: /usr/bin/id -un`);
      expect(dry.text).toContain(`! --force would replace ${paths().config} with the default:`);
      // The diff quotes the admin's config: its secrets are not printed.
      expect(dry.text).toMatch(/- +PGPASSWORD: \[redacted\]/);
      for (const secret of ['pg-pw-4242', 'admin-secret-77']) expect(dry.text).not.toContain(secret);

      const applied = await install();
      expect(applied.exitCode, applied.text).toBe(0);
      expect(applied.text).toContain(`kept the existing ${paths().config} (--force replaces it with the default)`);
      expect(ruleLines(await readFile(sudoersPath, 'utf8'))).toEqual([`${user} ALL=(root) NOPASSWD: /usr/bin/id -un`]);

      // sshd reads the installed authorized_keys itself (the harness's per-user file is a link to it).
      sshd = await startSshd({ dir: join(work, 'sshd'), authorized: { [user]: [] } });
      const harnessFile = join(work, 'sshd', 'authorized_keys', user);
      await unlink(harnessFile);
      await symlink(paths().keyFile, harnessFile);

      const status = agentLines((await ssh(request('service.status'))).stdout).at(-1);
      expect(status).toMatchObject({ type: 'result', ok: true });
      expect((status!.data as { programs: Array<{ name: string }> }).programs.map((p) => p.name).sort()).toEqual(
        [...PROGRAMS].sort(),
      );

      const db = agentLines((await ssh(request('db.status'))).stdout).at(-1);
      expect(db?.data).toMatchObject({ active: true, state: 'root' });

      // The forced command ignores what the client asked to run: a raw command is refused by the agent.
      const raw = await ssh('id');
      expect(raw.exitCode).not.toBe(0);
      expect(raw.stdout).not.toMatch(/uid=\d+/);
      expect(agentLines(raw.stdout).at(-1)?.error?.code).toBe('invalid_request');

      // Same program, other arguments: not in the drop-in, so sudo refuses it.
      const asUser = (argv: string[]) => execa('runuser', ['-u', user, '--', ...argv], { reject: false });
      expect((await asUser(['sudo', '-n', '/usr/bin/id', '-un'])).stdout).toBe('root');
      const refused = await asUser(['sudo', '-n', '/usr/bin/id', '-u']);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/password is required/);
      expect((await asUser(['sudo', '-n', '/usr/bin/systemctl', 'restart', 'postgresql'])).stderr).toMatch(
        /password is required/,
      );

      // Edited without re-running the install, the config asks for more than the drop-in allows: sudo says no.
      await writeFile(
        paths().config,
        stringify({ ...adminConfig, db: { ...adminConfig.db, status: ['sudo', '-n', '/usr/bin/id', '-u'] } }),
      );
      const lines = agentLines((await ssh(request('db.status'))).stdout);
      expect(lines.at(-1)?.data).toMatchObject({ active: false });
      expect(
        lines
          .filter((l) => l.type === 'chunk' && l.stream === 'stderr')
          .map((l) => l.data)
          .join(''),
      ).toMatch(/password is required/);
    },
  );

  test(
    'the account cannot change its key, ' + 'and links it planted under the old layout make root write nothing',
    async () => {
      const asUser = (argv: string[]) => execa('runuser', ['-u', user, '--', ...argv], { reject: false });
      const ssh = join(paths().home, '.ssh');
      const keyBefore = await readFile(paths().keyFile, 'utf8');
      // As installed: the account can read its key line, and neither edit it, nor move ~/.ssh away, nor add a key file.
      expect((await asUser(['cat', paths().keyFile])).stdout).toBe(keyBefore.trim());
      expect((await asUser(['sh', '-c', `echo ssh-ed25519 AAAA >> ${paths().keyFile}`])).exitCode).not.toBe(0);
      expect((await asUser(['mv', ssh, `${ssh}.mine`])).exitCode).not.toBe(0);
      expect((await asUser(['touch', join(ssh, 'authorized_keys2')])).exitCode).not.toBe(0);
      expect(await readFile(paths().keyFile, 'utf8')).toBe(keyBefore);

      // The layout an older install left (home, ~/.ssh and the key the account's own), and what the account
      // does with it: a link at the key file and at the old predictable temp name to a file only root may
      // write, and an unrestricted key in authorized_keys2.
      const decoy = join(work, 'root-only');
      await writeFile(decoy, 'root data\n', { mode: 0o600 });
      const decoyBefore = await lstat(decoy);
      await execa('chown', [`${user}:${user}`, paths().home, ssh, paths().keyFile]);
      await execa('chmod', ['0700', ssh]);
      for (const argv of [
        ['rm', paths().keyFile],
        ['ln', '-s', decoy, paths().keyFile],
        ['ln', '-s', decoy, join(ssh, '.authorized_keys.recio-tmp-1')],
        ['sh', '-c', `echo "${botKey.publicKey}" > ${join(ssh, 'authorized_keys2')}`],
      ])
        expect((await asUser(argv)).exitCode, argv.join(' ')).toBe(0);
      await expect(install()).rejects.toThrow(`${paths().keyFile} is a symlink: refusing to write through or over it`);
      const decoyAfter = await lstat(decoy);
      expect([decoyAfter.uid, decoyAfter.mode, decoyAfter.size]).toEqual([0, decoyBefore.mode, decoyBefore.size]);
      expect(await readFile(decoy, 'utf8')).toBe('root data\n');

      // The admin removes the link; the install takes home, ~/.ssh and the key back and removes the second key file.
      await unlink(paths().keyFile);
      const { text, exitCode } = await install();
      expect(exitCode, text).toBe(0);
      expect(text).toContain(`- remove ${join(ssh, 'authorized_keys2')}`);
      expect(text).toContain(`~ chmod/chown ${paths().home}`);
      await expect(lstat(join(ssh, 'authorized_keys2'))).rejects.toThrow(/ENOENT/);
      for (const path of [paths().home, ssh, paths().keyFile]) expect((await lstat(path)).uid, path).toBe(0);
      expect(await readFile(paths().keyFile, 'utf8')).toBe(keyBefore);
      expect(await readFile(decoy, 'utf8')).toBe('root data\n');
      // The link at the old temp name is in a root-owned directory now; root never opened it.
      expect((await lstat(join(ssh, '.authorized_keys.recio-tmp-1'))).isSymbolicLink()).toBe(true);
      // And root refuses to write anything into a directory the account owns (its audit dir).
      const uid = Number((await getent('passwd', user))?.[2]);
      await expect(
        writeFileSafely(join(paths().auditDir, 'x'), 'x', 0o644, { uid: 0, gid: 0 }, { account: user, uid }),
      ).rejects.toThrow(`${paths().auditDir} is owned by ${user}: refusing to write x`);
    },
  );

  test(
    "no sudo rule for a program anyone but root could change: in the account's dir, its own, " +
      'or under a writable dir',
    async () => {
      const asUser = (argv: string[]) => execa('runuser', ['-u', user, '--', ...argv], { reject: false });
      const script = '#!/bin/sh\nid -un\n';
      // Root's script in the account's own directory: the account renames it away and writes another.
      const inAccountDir = join(paths().auditDir, 'db-check.sh');
      await writeFile(inAccountDir, script, { mode: 0o755 });
      // The account's script in root's directory: it edits the file.
      const ownDir = join(work, 'tools');
      await execa('mkdir', ['-m', '0755', ownDir]);
      const accountOwned = join(ownDir, 'db-check.sh');
      await writeFile(accountOwned, script, { mode: 0o755 });
      await execa('chown', [user, accountOwned]);
      // Root's script under a world-writable directory (a /tmp).
      const open = join(work, 'open');
      await execa('mkdir', ['-m', '0777', open]);
      const underOpen = join(open, 'db-check.sh');
      await writeFile(underOpen, script, { mode: 0o755 });
      const rulesBefore = await readFile(sudoersPath, 'utf8');
      const adminConfig = parseYaml(await readFile(paths().config, 'utf8')) as { db: Record<string, unknown> };
      for (const [program, why] of [
        [inAccountDir, `directory ${paths().auditDir} is owned by uid`],
        [accountOwned, `program ${accountOwned} is owned by uid`],
        [underOpen, `directory ${open} is a directory writable by group or others (mode 0777)`],
      ] as const) {
        await writeFile(
          paths().config,
          stringify({ ...adminConfig, db: { ...adminConfig.db, status: ['sudo', '-n', program] } }),
        );
        await expect(install(), program).rejects.toThrow(why);
        expect(await readFile(sudoersPath, 'utf8')).toBe(rulesBefore);
        // The attack itself: the account swaps in its own code and asks sudo to run it as root.
        const attempt = await asUser(['sudo', '-n', program]);
        expect(attempt.stdout, program).not.toBe('root');
        expect(attempt.stderr, program).toMatch(/password is required/);
      }
      await writeFile(paths().config, stringify(adminConfig));
      expect((await install()).exitCode).toBe(0);
    },
  );

  test(
    'uninstall removes the account, its home, ' + 'the drop-in and the launcher; --purge the config and audit log',
    async () => {
      await sshd?.stop();
      sshd = undefined;
      const before = await snapshot();
      const dry = await recio('uninstall', ...common(), '--dry-run');
      expect(await snapshot()).toEqual(before);
      expect(dry.text).toContain(`- remove ${sudoersPath}`);
      expect(dry.text).toContain(`- remove user ${user} and its home ${paths().home}`);

      const removed = await recio('uninstall', ...common());
      expect(removed.text).toContain('3 changes made');
      expect(await getent('passwd', user)).toBeUndefined();
      for (const gone of [paths().home, sudoersPath, paths().launcher])
        await expect(lstat(gone), gone).rejects.toThrow(/ENOENT/);
      await expect(lstat(paths().config)).resolves.toBeDefined();
      expect(removed.text).toContain(`kept ${paths().config} (--purge removes it)`);

      const purged = await recio('uninstall', ...common(), '--purge');
      expect(purged.text).toContain('2 changes made');
      for (const gone of [paths().config, paths().auditDir]) await expect(lstat(gone), gone).rejects.toThrow(/ENOENT/);
      expect((await recio('uninstall', ...common(), '--purge')).text).toContain(
        `nothing to remove: no agent install for ${user} here`,
      );
    },
  );

  test('an account it did not make is refused, for install and uninstall alike', async () => {
    const other = ['--user', 'nobody', '--root-dir', root, '--sudoers-file', sudoersPath];
    await expect(recio('uninstall', ...other)).rejects.toThrow(
      /user nobody exists and was not made by recio agent install/,
    );
    await expect(
      recio(
        'install',
        ...other,
        '--public-key',
        `${botKey.privateKeyPath}.pub`,
        '--from',
        '127.0.0.1',
        '--programs',
        'trade_manager',
        '--dry-run',
      ),
    ).rejects.toThrow(/user nobody exists and was not made by recio agent install/);
    expect((await getent('passwd', 'nobody'))?.[0]).toBe('nobody');
  });
});
