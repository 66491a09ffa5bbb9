import { readFile, rm, writeFile } from 'node:fs/promises';
import { PRIVATE_FILE } from './private-files.js';

/**
 * The last restore test of a dump (backup.verify: loaded into a scratch database), kept beside it
 * as `<dump>.tested` so that whoever picks a dump to restore sees whether it is known to load. It
 * counts only for the bytes it tested: a record whose hash is not the dump's now is not shown.
 */
export interface RestoreTestRecord {
  at: string;
  ok: boolean;
  sha256: string;
  /** One line: why it failed, or what it loaded. */
  detail: string;
}

export const testRecordOf = (path: string) => `${path}.tested`;

export async function writeTestRecord(path: string, record: RestoreTestRecord): Promise<void> {
  await writeFile(testRecordOf(path), `${JSON.stringify(record)}\n`, { mode: PRIVATE_FILE, flag: 'w' });
}

export async function readTestRecord(path: string): Promise<RestoreTestRecord | undefined> {
  const text = await readFile(testRecordOf(path), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as RestoreTestRecord;
    return typeof record.ok === 'boolean' && typeof record.at === 'string' ? record : undefined;
  } catch {
    // A record cut short (disk full) says nothing: the dump shows as not tested.
    return undefined;
  }
}

export const removeTestRecord = (path: string) => rm(testRecordOf(path), { force: true });
