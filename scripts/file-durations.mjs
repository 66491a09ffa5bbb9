#!/usr/bin/env node
// Reads a vitest run's default-reporter output (stdin) and writes each test file's wall time in
// seconds (hooks included: the sandbox a file starts counts), for test/sequencer.ts to start the
// longest files first. Regenerate after a run that changed the suite's shape:
//   npx vitest run 2>&1 | node scripts/file-durations.mjs > test/file-durations.json
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const text = stripVTControlCharacters(readFileSync(0, 'utf8'));
const durations = {};
for (const line of text.split('\n')) {
  const match = /^ [✓❯×] (test\/\S+\.test\.ts) \(\d+ tests?[^)]*\) (\d+)ms/.exec(line);
  if (match) durations[match[1]] = Math.round(Number(match[2]) / 100) / 10;
}
if (Object.keys(durations).length === 0) {
  console.error('file-durations: no "✓ test/… (N tests) Nms" line in the input');
  process.exit(1);
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
process.stdout.write(`${JSON.stringify(sorted, null, 2)}\n`);
