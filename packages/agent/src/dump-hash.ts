import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PRIVATE_FILE } from './private-files.js';

/**
 * Each dump's SHA-256 is written beside it when it is taken, as `<dump>.sha256` in sha256sum's
 * format (`sha256sum -c db_2026-11-26.sql.sha256` checks it by hand). It is what an approval binds
 * to, what an offsite copy is checked against, and how a dump cut short later (disk full, a bad
 * copy) is told from a whole one: a custom-format dump's table of contents reads fine even when
 * the data after it is missing.
 */
export const sidecarOf = (path: string) => `${path}.sha256`;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function writeSidecar(path: string, sha256: string): Promise<void> {
  await writeFile(sidecarOf(path), `${sha256}  ${basename(path)}\n`, { mode: PRIVATE_FILE, flag: 'w' });
}

/** The recorded hash, or undefined when the dump has none (copied in by hand, older than this). */
export async function readSidecar(path: string): Promise<string | undefined> {
  const text = await readFile(sidecarOf(path), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const hash = text?.trim().split(/\s+/)[0];
  return hash !== undefined && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

export async function removeSidecar(path: string): Promise<void> {
  await rm(sidecarOf(path), { force: true });
}
