/**
 * npm run bench:newcomer — a newcomer's first run, measured: a fresh clone of this checkout's
 * commit, the README's first command (`npm ci && npm start`), the time from that command to a
 * ready console (its page answers and recio is connected), and a Chromium screenshot of the first
 * screen once the monitor has had a few rounds (docs/first-run.png with BENCH_SCREENSHOT=docs).
 * Then it stops the bot, takes the clone's sandbox down and removes the clone.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { freePort } from '../test/support/ports.js';

const REPO = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOT = process.env.BENCH_SCREENSHOT === 'docs' ? join(REPO, 'docs', 'first-run.png') : undefined;
const commit = spawnSync('git', ['-C', REPO, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const parent = mkdtempSync(join(tmpdir(), 'recio-newcomer-'));
chmodSync(parent, 0o755);
const clone = join(parent, 'recio-bot');

function run(command: string, args: string[], cwd: string): void {
  const done = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${done.status}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

run('git', ['clone', '-q', REPO, clone], parent);
run('git', ['checkout', '-q', commit], clone);
const port = await freePort();
let bot: ChildProcess | undefined;
const marks: Record<string, number> = {};
try {
  const started = performance.now();
  // The README's first command, as a newcomer types it (a free port instead of 3000).
  bot = spawn('sh', ['-c', 'npm ci --no-audit --no-fund && echo "== npm ci done" && npm start'], {
    cwd: clone,
    detached: true,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  bot.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    process.stdout.write(text);
    if (text.includes('== npm ci done')) marks.npmCi = performance.now() - started;
    if (text.includes('building (')) marks.buildStarted = performance.now() - started;
  });
  const state = async () =>
    (await (await fetch(`http://127.0.0.1:${port}/api/state?user=alice`)).json()) as {
      mode: { label: string };
      app: { connected: boolean };
      messages: Array<{ text: string }>;
    };
  await until('the page', async () => ((await state()).mode ? true : undefined), 600_000);
  marks.page = performance.now() - started;
  await until('recio connected', async () => ((await state()).app.connected ? true : undefined), 600_000);
  marks.ready = performance.now() - started;
  // A few monitor rounds (10 s each by default), so a false incident would be on the screen.
  await sleep(35_000);
  const final = await state();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${port}/?user=alice`);
    await page.locator('#connection.live').waitFor({ timeout: 30_000 });
    if (SHOT) await page.screenshot({ path: SHOT });
  } finally {
    await browser.close();
  }
  const s = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
  console.log(`\n| phase | from the command |\n|---|---|`);
  console.log(`| npm ci done | ${s(marks.npmCi)} |`);
  console.log(`| console page answers | ${s(marks.page)} |`);
  console.log(`| recio connected (ready) | ${s(marks.ready)} |`);
  console.log(`\nbanner: ${final.mode.label}\nmessages after 35 s: ${final.messages.length}`);
  console.log(
    JSON.stringify({
      bench: 'newcomer',
      commit,
      ms: marks,
      banner: final.mode.label,
      messages: final.messages.map((m) => m.text),
      screenshot: SHOT ?? null,
    }),
  );
} finally {
  if (bot?.pid !== undefined && bot.exitCode === null) {
    const exited = new Promise((r) => bot!.once('exit', r));
    process.kill(-bot.pid, 'SIGTERM');
    await exited;
  }
  spawnSync(process.execPath, [join(clone, 'packages/bot/dist/cli.js'), 'sandbox', 'down', '--dir', '.sandbox'], {
    cwd: clone,
    stdio: 'inherit',
  });
  rmSync(parent, { recursive: true, force: true });
}
