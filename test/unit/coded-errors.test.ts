import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ErrorCode, RecioError, toRecioError } from '@recio/protocol/errors';

const REPO = resolve(import.meta.dirname, '../..');
// The packages a REC.IO host or a drill runs; the Slack emulator is a test double and exempt.
const PACKAGES = ['protocol', 'agent', 'os', 'sandbox', 'bot', 'console'];

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `file:line: text` for each line matching `pattern`. */
function findIn(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${relative(REPO, file)}:${index + 1}: ${line.trim()}`] : [])),
  );
}

describe('one table of error codes', () => {
  test('every code is snake_case and means one thing: no two names share a code', () => {
    const codes = Object.values(ErrorCode);
    for (const code of codes) expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  test('every package but the Slack emulator throws only coded RecioErrors', () => {
    const files = PACKAGES.flatMap((name) => sourcesOf(join(REPO, 'packages', name, 'src')));
    expect(files.length).toBeGreaterThan(50);
    const plain = findIn(files, /\bnew (?:Type|Range)?Error\(|\bthrow Error\(|\bextends Error\b/);
    // RecioError itself is the one class that extends Error.
    expect(plain.filter((line) => !line.includes('export class RecioError extends Error'))).toEqual([]);
  });

  test('the scan can fail: it finds a plain Error where there is one', () => {
    const self = [join(REPO, 'test/unit/coded-errors.test.ts')];
    expect(findIn(self, /\bnew Error\(/)).toHaveLength(1);
    // Wrapping keeps a foreign error as the cause, coded `internal`.
    const wrapped = toRecioError(new Error('boom'));
    expect(wrapped).toBeInstanceOf(RecioError);
    expect(wrapped.code).toBe(ErrorCode.Internal);
  });
});
