import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Per runbook file (`provider-outage.yml`): text to find and what to put instead. */
export type RunbookEdits = Record<string, Array<[find: string, replace: string]>>;

/**
 * commands/ copied to `dir` with some windows shortened. A find that no longer matches throws: a
 * runbook edited upstream must not silently leave a test waiting fifteen minutes.
 */
export function copyRunbooks(dir: string, edits: RunbookEdits): string {
  cpSync(resolve(import.meta.dirname, '../../../commands'), dir, { recursive: true });
  for (const [file, pairs] of Object.entries(edits)) {
    const path = join(dir, file);
    let text = readFileSync(path, 'utf8');
    for (const [find, replace] of pairs) {
      if (!text.includes(find))
        throw new Error(`${file}: "${find}" not found — the runbook changed; update the test's edit`);
      text = text.replace(find, replace);
    }
    writeFileSync(path, text);
  }
  return dir;
}
