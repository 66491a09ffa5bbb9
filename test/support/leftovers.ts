import { mkdtempSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MarkerKind, recordMarker } from '@recio/sandbox/leftover-markers';

/**
 * Everything a test starts that could outlive a killed run is marked with this test process as its
 * owner; the suite's global setup and teardown reap what a dead owner left (test/global-setup.ts).
 */
export function markOwned(kind: MarkerKind, ref: string): () => void {
  return recordMarker(kind, ref).release;
}

/** A temp dir (`recio-<what>-…`) whose processes — sshd, supervisord, a cluster — name it in their argv. */
export async function ownedTempDir(what: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `recio-${what}-`));
  markOwned('dir', dir);
  return dir;
}

/** `ownedTempDir` for the places that cannot wait (a synchronous helper, a describe's setup). */
export function ownedTempDirSync(what: string): string {
  const dir = mkdtempSync(join(tmpdir(), `recio-${what}-`));
  markOwned('dir', dir);
  return dir;
}
