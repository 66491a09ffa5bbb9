import type { AgentConfig } from './agent-config.js';

/** How config.archive encrypts, and how it proves the archive can be read back. */
export interface Encryption {
  extension: 'age' | 'enc';
  /** Reads the tar stream on stdin, writes the encrypted archive to `out`. */
  encrypt(out: string): string[];
  /** Writes the decrypted tar stream to stdout; absent when the host holds no key that can decrypt. */
  decrypt?: (archive: string) => string[];
  /** What the file starts with when there is no way to decrypt it here. */
  header: string;
}

/** The encryption the config names, or why there is none (the action's `not configured` message). */
export function encryptionOf(config: AgentConfig['configBackup']): Encryption | string {
  if (config.method === 'openssl') {
    const key = config.opensslKeyFile;
    if (key === undefined) return 'config archive not configured: set configBackup.opensslKeyFile (or use method age)';
    // -pbkdf2 with openssl's default iteration count; the key file is read by openssl, never by us.
    const cipher = ['enc', '-aes-256-cbc', '-pbkdf2', '-pass', `file:${key}`];
    return {
      extension: 'enc',
      encrypt: (out) => [...config.openssl, ...cipher, '-salt', '-out', out],
      decrypt: (archive) => [...config.openssl, ...cipher, '-d', '-in', archive],
      header: 'Salted__',
    };
  }
  const recipients = [
    ...config.ageRecipients.flatMap((r) => ['-r', r]),
    ...(config.ageRecipientsFile === undefined ? [] : ['-R', config.ageRecipientsFile]),
  ];
  if (recipients.length === 0)
    return 'config archive not configured: set configBackup.ageRecipients or configBackup.ageRecipientsFile';
  const identity = config.ageIdentityFile;
  return {
    extension: 'age',
    encrypt: (out) => [...config.age, '--encrypt', ...recipients, '-o', out],
    ...(identity === undefined
      ? {}
      : { decrypt: (archive: string) => [...config.age, '--decrypt', '-i', identity, archive] }),
    header: 'age-encryption.org/v1\n',
  };
}
