#!/usr/bin/env node
/**
 * `pip` for the sandbox (PyPI is out of reach here): `pip-stand-in.js --log <file> install -r
 * requirements.txt --upgrade`. It reads the requirements file the way pip would, fails like pip
 * when it is missing, prints pip's lines and records the call, so a test can see the rollback ran it.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const argv = process.argv.slice(2);
const logIndex = argv.indexOf('--log');
const logFile = logIndex >= 0 ? argv[logIndex + 1] : undefined;
const args = logIndex >= 0 ? [...argv.slice(0, logIndex), ...argv.slice(logIndex + 2)] : argv;

function record(exitCode: number): void {
  if (logFile === undefined) return;
  try {
    appendFileSync(
      logFile,
      `${JSON.stringify({ at: new Date().toISOString(), cwd: process.cwd(), args, exitCode })}\n`,
    );
  } catch {
    // A pip that cannot write its own log still installs.
  }
}

const requirementIndex = args.indexOf('-r');
if (args[0] !== 'install' || requirementIndex < 0 || args[requirementIndex + 1] === undefined) {
  process.stderr.write('ERROR: the sandbox pip only knows `install -r <file> [--upgrade]`\n');
  record(2);
  process.exit(2);
}
const file = resolve(args[requirementIndex + 1]!);
let lines: string[];
try {
  lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
} catch {
  // As pip does: a requirements file it cannot read is an error with its message.
  process.stderr.write(
    `ERROR: Could not open requirements file: [Errno 2] No such file or directory: '${args[requirementIndex + 1]}'\n`,
  );
  record(1);
  process.exit(1);
}
for (const line of lines) {
  const [pkg, version] = line.split('==');
  process.stdout.write(
    `Requirement already satisfied: ${pkg}${version ? `==${version}` : ''} ` +
      'in /opt/rec_io_v2/.venv/lib/python3.11/site-packages\n',
  );
}
record(0);
