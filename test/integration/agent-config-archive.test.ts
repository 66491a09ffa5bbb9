import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
      // Only the archive is left: no partial file, no plaintext tar beside it.
      expect(await readdir(archives)).toEqual([file]);
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
