import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAgentConfig } from '@recio/agent/agent-config';
import type { HostResult } from '@recio/bot/hosts/transport';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { patchAgentConfig, transportTo } from './agent-harness.js';
import { ownedTempDir } from '../support/leftovers.js';

let host: TestHost;
let repo: string;
let archives: string;
let keys: string;
let recipient: string;
const SECRET = 'KALSHI_API_SECRET=sk-live-5e3c8f00d1e2-not-real';
const FILES = {
  '.env': `${SECRET}\nPOSTGRES_PASSWORD=pw-7731-not-real\n`,
  'MASTER_PORT_MANIFEST.json': '{"main_app": 3000}\n',
  'config.json': '{"mode": "live"}\n',
};

/** Runs config.archive with this configBackup section (keys set to undefined are removed). */
async function archiveWith(section: Record<string, unknown>): Promise<HostResult> {
  await patchAgentConfig(host, {
    configBackup: {
      dir: archives,
      ageRecipients: undefined,
      ageRecipientsFile: undefined,
      ageIdentityFile: undefined,
      opensslKeyFile: undefined,
      method: undefined,
      ...section,
    },
  });
  const transport = transportTo(host);
  try {
    return await transport.run({ action: 'config.archive', params: {} });
  } finally {
    await transport.close();
  }
}

/** Decrypts an archive with our own argv (not the agent's) and unpacks it into a fresh dir. */
async function unpack(decrypt: string[]): Promise<string> {
  const out = await ownedTempDir('unpacked');
  await execa(decrypt[0]!, decrypt.slice(1), { stdin: 'ignore' }).pipe('tar', ['-x', '-C', out, '-f', '-']);
  return out;
}

async function expectUnpackedFiles(out: string): Promise<void> {
  try {
    for (const [name, content] of Object.entries(FILES))
      expect(await readFile(join(out, repo, name), 'utf8')).toBe(content);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  host = await startTestHost();
  repo = join(host.dir, 'rec_io_v2');
  archives = join(host.dir, 'config-archives');
  keys = join(host.dir, 'keys');
  for (const dir of [repo, archives, keys]) {
    await mkdir(dir);
    await chmod(dir, dir === archives ? 0o777 : 0o755);
  }
  for (const [name, content] of Object.entries(FILES)) await writeFile(join(repo, name), content, { mode: 0o644 });
  await execa('age-keygen', ['-o', join(keys, 'identity.txt')]);
  await execa('age-keygen', ['-o', join(keys, 'other-identity.txt')]);
  await chmod(join(keys, 'identity.txt'), 0o644);
  await chmod(join(keys, 'other-identity.txt'), 0o644);
  recipient = (await execa('age-keygen', ['-y', join(keys, 'identity.txt')])).stdout.trim();
  await writeFile(join(keys, 'recipients.txt'), `# ops team\n${recipient}\n`, { mode: 0o644 });
  await writeFile(join(keys, 'openssl.key'), 'a long random passphrase for the test only\n', { mode: 0o644 });
  await patchAgentConfig(host, { deploy: { repo } });
});

afterAll(async () => {
  await host?.stop();
});

describe('config.archive', () => {
  test(
    "age: the plan's three files, encrypted, decrypted and listed by the agent, " + 'readable with the identity',
    async () => {
      const result = await archiveWith({ ageRecipients: [recipient], ageIdentityFile: join(keys, 'identity.txt') });
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({
        ok: true,
        data: { verified: 'decrypted', files: Object.keys(FILES).map((f) => join(repo, f)) },
      });
      const file = (result.data as { file: string }).file;
      expect(file).toMatch(/^config_\d{4}-\d{2}-\d{2}_\d{6}\.tar\.age$/);
      // Only the archive is left: no partial file, no plaintext tar beside it; and the files' hash
      // for the change watch (a hash, not their contents).
      expect(await readdir(archives)).toEqual(['.sources.sha256', file]);
      expect(await readFile(join(archives, '.sources.sha256'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
      const bytes = await readFile(join(archives, file));
      expect(bytes.includes('sk-live-5e3c8f00d1e2')).toBe(false);
      expect(bytes.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
      expect(JSON.stringify(result)).not.toContain('sk-live-5e3c8f00d1e2');
      await expectUnpackedFiles(
        await unpack(['age', '--decrypt', '-i', join(keys, 'identity.txt'), join(archives, file)]),
      );
    },
  );

  test('age with a recipients file and no identity on the host: the check is the age header', async () => {
    for (const f of await readdir(archives)) await rm(join(archives, f));
    const result = await archiveWith({ ageRecipientsFile: join(keys, 'recipients.txt') });
    expect(result).toMatchObject({ ok: true, data: { verified: 'header' } });
    const file = (result.data as { file: string }).file;
    await expectUnpackedFiles(
      await unpack(['age', '--decrypt', '-i', join(keys, 'identity.txt'), join(archives, file)]),
    );
  });

  test('openssl enc -aes-256-cbc -pbkdf2 with a key file', async () => {
    const result = await archiveWith({ method: 'openssl', opensslKeyFile: join(keys, 'openssl.key') });
    expect(result).toMatchObject({ ok: true, data: { verified: 'decrypted' } });
    const file = (result.data as { file: string }).file;
    expect(file).toMatch(/\.tar\.enc$/);
    const key = `file:${join(keys, 'openssl.key')}`;
    await expectUnpackedFiles(
      await unpack(['openssl', 'enc', '-d', '-aes-256-cbc', '-pbkdf2', '-pass', key, '-in', join(archives, file)]),
    );
  });

  test('an archive the configured identity cannot decrypt fails the postcondition and is not kept', async () => {
    const before = await readdir(archives);
    const result = await archiveWith({ ageRecipients: [recipient], ageIdentityFile: join(keys, 'other-identity.txt') });
    expect(result).toMatchObject({ ok: false, error: { code: 'action_failed' } });
    expect(result.error?.message).toContain('the archive does not decrypt');
    expect(await readdir(archives)).toEqual(before);
  });

  test('no key configured, or a listed file missing: refused, nothing written', async () => {
    const before = await readdir(archives);
    const unconfigured = await archiveWith({});
    expect(unconfigured).toMatchObject({ ok: false, exitCode: 2, error: { code: 'not_configured' } });
    expect(unconfigured.error?.message).toContain('config archive not configured');
    const noKey = await archiveWith({ method: 'openssl' });
    expect(noKey.error?.code).toBe('not_configured');
    const missing = await archiveWith({ ageRecipients: [recipient], files: ['.env', 'secrets/missing.json'] });
    expect(missing).toMatchObject({ ok: false, exitCode: 2, error: { code: 'file_missing' } });
    expect(missing.error?.message).toContain(join(repo, 'secrets/missing.json'));
    expect(await readdir(archives)).toEqual(before);
  });

  test('a bad configBackup section is a config error naming the field', async () => {
    expect(() =>
      parseAgentConfig('configBackup:\n  files: ["../../etc/shadow"]\n  ageRecipients: ["not-a-key"]\n', 'agent.yml'),
    ).toThrow(
      /configBackup\.files\[0\]: no \.\. in paths[\s\S]*configBackup\.ageRecipients\[0\]: expected an age public key/,
    );
  });
});

/** One request to the agent with the config as it is now. */
async function ask(action: string, params: Record<string, unknown>): Promise<HostResult> {
  const transport = transportTo(host);
  try {
    return await transport.run({ action, params } as never);
  } finally {
    await transport.close();
  }
}

describe('§2.2: after a change, offsite, listed, restored to a new directory', () => {
  // Dirs the agent makes itself (0700) inside one it may write into, as under /backups on a host.
  let own: string;
  let dir: string;
  let offsite: string;
  let restoreRoot: string;

  beforeAll(async () => {
    own = join(host.dir, 'agent-owned');
    await mkdir(own);
    await chmod(own, 0o777);
    dir = join(own, 'config');
    offsite = join(own, 'offsite');
    restoreRoot = join(own, 'config-restore');
    await mkdir(offsite);
    await chmod(offsite, 0o777);
    await patchAgentConfig(host, {
      configBackup: {
        dir,
        restoreDir: restoreRoot,
        method: 'age',
        ageRecipients: [recipient],
        ageIdentityFile: join(keys, 'identity.txt'),
        opensslKeyFile: undefined,
        ageRecipientsFile: undefined,
        files: undefined,
      },
      backups: { offsite: ['cp', '{file}', join(offsite, '{name}')], offsiteList: ['ls', offsite] },
    });
  });

  test(
    'ifChanged: archived when there is none, skipped while the files are the same, archived again after a change; ' +
      'each copy offsite, 0600 in a 0700 dir, listed newest first',
    async () => {
      const first = await ask('config.archive', { ifChanged: true });
      expect(first.error).toBeUndefined();
      expect(first.data).toMatchObject({ offsite: true, verified: 'decrypted' });
      const firstFile = (first.data as { file: string }).file;
      const same = await ask('config.archive', { ifChanged: true });
      expect(same).toMatchObject({ ok: true, data: { skipped: 'unchanged', newest: firstFile } });

      await writeFile(join(repo, 'config.json'), '{"mode": "paper"}\n');
      // The stamp has one-second resolution: a change in the same second as the last archive waits for the next.
      const changed = await ask('config.archive', { ifChanged: true });
      if (changed.error?.message.includes('EEXIST')) throw new Error('archives in the same second');
      expect(changed).toMatchObject({ ok: true, data: { offsite: true } });
      const secondFile = (changed.data as { file: string }).file;
      expect(secondFile).not.toBe(firstFile);
      expect((await readdir(offsite)).sort()).toEqual([firstFile, secondFile].sort());

      const listed = await ask('archive.list', {});
      expect(listed.error).toBeUndefined();
      const config = (listed.data as { config: Record<string, unknown> }).config;
      expect(config).toMatchObject({
        dir,
        dirMode: '0700',
        files: [
          { file: secondFile, kind: 'config', mode: '0600' },
          { file: firstFile, kind: 'config', mode: '0600' },
        ],
        offsite: { files: [secondFile, firstFile] },
      });
      await writeFile(join(repo, 'config.json'), FILES['config.json']);
    },
  );

  test(
    'config.restore: the archive unpacked into a new 0700 directory to compare; bad inputs refused, ' +
      'nothing written',
    async () => {
      const [newest] = ((await ask('archive.list', {})).data as { config: { files: Array<{ file: string }> } }).config
        .files;
      const restored = await ask('config.restore', { file: newest!.file, into: 'compare' });
      expect(restored.error).toBeUndefined();
      const target = join(restoreRoot, 'compare');
      expect(restored.data).toMatchObject({
        dir: target,
        files: Object.keys(FILES).map((f) => join(repo, f).slice(1)),
      });
      expect(await readFile(join(target, repo, '.env'), 'utf8')).toBe(FILES['.env']);
      expect((await stat(target)).mode & 0o777).toBe(0o700);
      // The secrets stay on the host: the answer names files, never their contents.
      expect(JSON.stringify(restored)).not.toContain('sk-live-5e3c8f00d1e2');

      const again = await ask('config.restore', { file: newest!.file, into: 'compare' });
      expect(again).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
      expect(again.error?.message).toContain(`${target} already exists`);

      const unknown = await ask('config.restore', { file: 'config_2020-01-01_000000.tar.age' });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'backup_missing' } });
      expect(unknown.error?.message).toContain(`newest: ${newest!.file}`);

      for (const params of [
        { file: '../../etc/shadow' },
        { file: 'db_2026-11-26.sql' },
        { file: newest!.file, into: '../live' },
        { file: newest!.file, into: '/opt/rec_io_v2' },
      ]) {
        expect(await ask('config.restore', params)).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
      }

      // age with no identity on the host (the safe setup): said, with where to decrypt instead.
      await patchAgentConfig(host, { configBackup: { ageIdentityFile: undefined } });
      const noKey = await ask('config.restore', { file: newest!.file, into: 'other' });
      expect(noKey).toMatchObject({ ok: false, error: { code: 'not_configured' } });
      expect(noKey.error?.message).toContain('decrypt it by hand');
      await patchAgentConfig(host, { configBackup: { ageIdentityFile: join(keys, 'identity.txt') } });

      // A restore root inside the live repo is refused: a restore never lands on the live config.
      await patchAgentConfig(host, { configBackup: { restoreDir: join(repo, 'restored') } });
      expect(await ask('config.restore', { file: newest!.file, into: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'config_invalid' },
      });
      await patchAgentConfig(host, { configBackup: { restoreDir: restoreRoot } });
      expect(await readdir(restoreRoot)).toEqual(['compare']);
    },
  );
});
