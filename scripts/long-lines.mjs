// Lists every line over 120 characters in the tracked sources, scripts, configs and SQL (issue 16).
// Biome wraps code at 120 columns but leaves long strings, template literals and comments alone,
// so this check catches what the formatter cannot. Usage: node scripts/long-lines.mjs [--report]
// (prints `file:line length` and a total; exits 1 when any line is too long, unless --report).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const limit = 120;
const root = resolve(import.meta.dirname, '..');
const extensions = ['.ts', '.mjs', '.js', '.sh', '.yml', '.sql'];
// Generated or third-party files nobody wraps by hand.
const skipped = (file) => file.endsWith('package-lock.json') || file.startsWith('packages/console/public/vendor/');

const report = process.argv.includes('--report');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  .split('\0')
  .filter((file) => file !== '' && extensions.some((ext) => file.endsWith(ext)) && !skipped(file));

let total = 0;
for (const file of tracked) {
  let text;
  try {
    text = readFileSync(resolve(root, file), 'utf8');
  } catch (error) {
    // A tracked file deleted in the work tree is not a long line; anything else is a real failure.
    if (error.code === 'ENOENT') continue;
    throw error;
  }
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    // Characters as a reader counts them (code points), not UTF-16 units or bytes.
    const length = [...line.replace(/\r$/, '')].length;
    if (length > limit) {
      total += 1;
      console.log(`${file}:${index + 1} ${length}`);
    }
  }
}

console.log(`${total} line${total === 1 ? '' : 's'} over ${limit} characters`);
if (total > 0 && !report) process.exitCode = 1;
