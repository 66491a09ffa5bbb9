import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_ARCHIVE, HISTORY_ARCHIVE } from '@recio/protocol/actions';
import { timestampOfName } from './backup-files.js';
import { sha256File } from './dump-hash.js';
import { octal, PRIVATE_FILE } from './private-files.js';

/** A config or history archive in its dir, as archive.list reports it. */
export interface ArchiveFile {
  file: string;
  /** `config`, `logs`, or the table a history export holds. */
  kind: string;
  bytes: number;
  takenAt: string;
  ageSeconds: number;
  /** Its permission bits (`0600`); the doctor flags anything wider. */
  mode: string;
}

/** What a history archive holds, from its name: `logs` or the exported table. */
export function kindOf(file: string): string {
  if (CONFIG_ARCHIVE.test(file)) return 'config';
  return file.replace(/_\d{4}-\d{2}-\d{2}_\d{6}\.(?:tar\.gz|dump)$/, '');
}

/** The archives in `dir` whose names match `pattern`, newest first (by the time in the name). */
export async function listArchives(dir: string, pattern: RegExp, now = Date.now()): Promise<ArchiveFile[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const files = await Promise.all(
    names
      .filter((n) => pattern.test(n))
      .map(async (file) => {
        const info = await stat(join(dir, file));
        const at = timestampOfName(file) ?? info.mtimeMs;
        return {
          file,
          kind: kindOf(file),
          bytes: info.size,
          takenAt: new Date(at).toISOString(),
          ageSeconds: Math.round((now - at) / 1000),
          mode: octal(info.mode),
        };
      }),
  );
  return files.sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt) || a.file.localeCompare(b.file));
}

export const listConfigArchives = (dir: string) => listArchives(dir, CONFIG_ARCHIVE);
export const listHistoryArchives = (dir: string) => listArchives(dir, HISTORY_ARCHIVE);

/**
 * One hash over the config files' names and contents: what the change watch compares. Kept in the
 * archive dir (0600 in 0700) as `.sources.sha256`, written once an archive of exactly these bytes
 * is safe (offsite too, when there is an offsite store).
 */
export async function sourcesHash(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) hash.update(`${file}\0${await sha256File(file)}\n`);
  return hash.digest('hex');
}

const SOURCES = '.sources.sha256';

export async function archivedSources(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, SOURCES), 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

export async function recordSources(dir: string, hash: string): Promise<void> {
  await writeFile(join(dir, SOURCES), `${hash}\n`, { mode: PRIVATE_FILE });
}
