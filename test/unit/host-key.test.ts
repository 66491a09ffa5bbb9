import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { fingerprintOfPublicKey, generateKeyPair } from '../support/sshd.js';
import { ownedTempDir } from '../support/leftovers.js';

test('our SHA256 fingerprint is the one ssh-keygen prints', async () => {
  const dir = await ownedTempDir('key');
  try {
    const pair = await generateKeyPair(join(dir, 'k'));
    const printed = (
      await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${pair.privateKeyPath}.pub`])
    ).stdout.split(' ')[1];
    expect(fingerprintOfPublicKey(pair.publicKey)).toBe(printed);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
