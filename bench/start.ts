/**
 * npm run bench:start — from the command to a console that is ready: its page answers and recio
 * is connected to it. With dist/ current, both ways, alternating, in the same run:
 *   before (baseline): what `npm start` did — `npm run build` (tsc -b, up to date) then the bot;
 *   after: `npm start` as it is now — build only when a source is newer than dist/.
 * RECIO_CONSOLE_SANDBOX=ask keeps the sandbox out of the figure (its start is measured apart:
 * the last row, with the practice REC.IO already made). The store is the embedded PostgreSQL,
 * its data directory made once before the first measured run. Prints a table and one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/support/ports.js';
import { summarize } from './stats.js';

const REPO = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const dataDir = mkdtempSync(join(tmpdir(), 'recio-bench-start-'));
chmodSync(dataDir, 0o755);

const COMMANDS: Record<string, string> = {
  'before: npm run build, then the bot (baseline)': 'npm run -s build && npm start --ignore-scripts',
  'after: npm start (builds only when stale)': 'npm start',
};

async function ready(port: number, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}`);
    try {
      const state = (await (await fetch(`http://127.0.0.1:${port}/api/state?user=alice`)).json()) as {
        app?: { connected?: boolean };
      };
      if (state.app?.connected) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error('the console was not ready in time');
}

/** One start: milliseconds from the command to a ready console; then a clean stop. */
async function once(command: string, sandbox: 'ask' | 'start'): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('sh', ['-c', command], {
    cwd: REPO,
    detached: true,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORT: String(port),
      RECIO_DATA_DIR: join(dataDir, 'data'),
      RECIO_CONSOLE_SANDBOX: sandbox,
      LOG_LEVEL: 'warn',
    },
  });
  try {
    await ready(port, child);
    return performance.now() - started;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    // The whole group this bench started: npm, sh and the bot under them.
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}

process.stderr.write('warming up (the embedded PostgreSQL is made once)…\n');
await once('npm start', 'ask');
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, command] of Object.entries(COMMANDS)) {
    samples[name]!.push(await once(command, 'ask'));
    process.stderr.write(`${name}: ${(samples[name]!.at(-1)! / 1000).toFixed(2)} s\n`);
  }
}
const withPractice: number[] = [];
process.stderr.write('with the practice REC.IO (made by the first of these)…\n');
await once('npm start', 'start');
for (let i = 0; i < RUNS; i++) withPractice.push(await once('npm start', 'start'));
rmSync(dataDir, { recursive: true, force: true });

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log('\n| command (dist/ current) | median | p95 | runs |\n|---|---|---|---|');
const rows = { ...samples, 'after: npm start, practice REC.IO already made (sandbox up)': withPractice };
for (const [name, values] of Object.entries(rows)) {
  const sum = summarize(values);
  console.log(`| ${name} | ${s(sum.median)} | ${s(sum.p95)} | ${sum.n} |`);
}
console.log(
  JSON.stringify({
    bench: 'start',
    rows: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, summarize(v)])),
  }),
);
