import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { execa } from 'execa';
import { createTestDatabase } from './pg-database.js';

/**
 * A real custom-format dump (`pg_dump -Fc`) of a throwaway database made by `sql`, written to
 * `path`: how the tests make old, odd or hostile nightly dumps without hand-editing binary files.
 */
export async function customDumpOf(sql: string, path: string): Promise<void> {
  const source = await createTestDatabase('recio_dumpsrc');
  try {
    if (sql.trim() !== '') await source.query(sql);
    await execa(source.pgDump[0]!, [...source.pgDump.slice(1), '--format=custom', '--file', path]);
  } finally {
    await source.drop();
  }
}

/** Records `path`'s SHA-256 beside it as the agent does when it takes a dump. */
export async function recordHash(path: string, bytes?: Buffer): Promise<string> {
  const sha = createHash('sha256')
    .update(bytes ?? (await readFile(path)))
    .digest('hex');
  await writeFile(`${path}.sha256`, `${sha}  ${basename(path)}\n`);
  return sha;
}
