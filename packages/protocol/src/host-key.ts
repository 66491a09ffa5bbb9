import { createHash } from 'node:crypto';

/** The fingerprint OpenSSH prints for a host key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A host-key check for ssh2's `hostVerifier`: accepts exactly the pinned fingerprint and remembers
 * what it saw, so a refusal can name both keys.
 */
export function pinHostKey(expected: string): { verify: (keyBlob: Buffer) => boolean; seen: () => string | undefined } {
  let seen: string | undefined;
  return {
    verify: (keyBlob) => {
      seen = fingerprintOf(keyBlob);
      return seen === expected;
    },
    seen: () => seen,
  };
}
