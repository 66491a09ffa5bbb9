/**
 * npm run bench:modules — how much of the code the production bot loads: the bot started with Slack
 * tokens (Socket Mode, against the Slack emulation in this process), traced with strace until it
 * says it is running; every module file it opened, grouped by package. The emulator, the console
 * and the sandbox must not be among them (issue 16). Prints a table and one JSON line.
 *   npm run bench:modules [-- --main <path to main.js>]   (another build's main.js: a baseline)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { childPids } from '@recio/os/processes';
import { freePort } from '../test/support/ports.js';
import { readManifest, startSlackEmulator } from '@recio/slack-emulator/index';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { main: { type: 'string' } } });
const MAIN = resolve(values.main ?? join(REPO, 'packages/bot/dist/main.js'));
// The checkout the main belongs to: the nearest folder above dist/ (a baseline is another checkout).
const ROOT = MAIN.slice(0, MAIN.lastIndexOf('/dist/')).replace(/\/packages\/bot$/, '');
const ADMIN_URL = process.env.RECIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MODULE = /\.(c|m)?js$|\.json$|\.node$/;

const work = mkdtempSync(join(tmpdir(), 'recio-bench-modules-'));
const database = `recio_bench_modules_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const emulator = await startSlackEmulator({ manifest: readManifest(join(REPO, 'manifest.yml')) });
const trace = join(work, 'trace');
let stopBot = () => {};
try {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const bot = spawn('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', trace, process.execPath, MAIN], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLACK_BOT_TOKEN: emulator.tokens.bot,
      SLACK_APP_TOKEN: emulator.tokens.app,
      SLACK_API_URL: emulator.apiUrl,
      DATABASE_URL: url.toString(),
      RECIO_OPS_CHANNEL: 'C0OPS000001',
      RECIO_RUNBOOKS_DIR: join(ROOT, 'commands'),
      RECIO_DATA_DIR: join(work, 'data'),
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    },
  });
  stopBot = () => {
    for (const pid of childPids(bot.pid!)) process.kill(pid, 'SIGKILL');
  };
  let log = '';
  await new Promise<void>((done, fail) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (process.env.BENCH_DEBUG) process.stderr.write(chunk);
      if (log.includes('recio-bot is running')) done();
    };
    bot.stdout.on('data', onData);
    bot.stderr.on('data', onData);
    bot.once('exit', (code) => fail(new Error(`the bot exited (${code}) before it ran:\n${log}`)));
    setTimeout(() => fail(new Error(`not running after 120 s:\n${log}`)), 120_000).unref();
  });
  // The bot is strace's child: stop it, and strace ends with it (a signal to strace would detach it).
  const exited = new Promise((done) => bot.once('exit', done));
  for (const pid of childPids(bot.pid!)) process.kill(pid, 'SIGTERM');
  await exited;

  const opened = new Set<string>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const match = line.match(/openat\([^,]+, "([^"]+)", [^)]*\) = \d+/);
    if (match && MODULE.test(match[1]!)) opened.add(resolve(work, match[1]!));
  }
  const byPackage = new Map<string, number>();
  let ownFiles = 0;
  let dependencyFiles = 0;
  for (const file of opened) {
    const path = relative(ROOT, file);
    const nm = path.lastIndexOf('node_modules/');
    let name: string;
    if (nm >= 0 && !/node_modules\/@recio\//.test(path.slice(nm))) {
      const parts = path.slice(nm + 'node_modules/'.length).split('/');
      name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
      dependencyFiles++;
    } else {
      // This layout: packages/<name>; the one-package layout before it: dist/<folder>.
      const own = path.match(/(?:^packages\/|node_modules\/@recio\/)([^/]+)/);
      const folder = path.match(/^dist\/([^/]+)\//);
      name = own ? `@recio/${own[1]}` : folder ? `dist/${folder[1]}` : path.startsWith('..') ? '(outside)' : '(top)';
      ownFiles++;
    }
    byPackage.set(name, (byPackage.get(name) ?? 0) + 1);
  }
  const isOwn = (n: string) => n.startsWith('@recio/') || n.startsWith('dist/') || n.startsWith('(');
  const own = [...byPackage].filter(([n]) => isOwn(n)).sort((a, b) => b[1] - a[1]);
  // Before the split the same code lived in dist/emulator, dist/console, dist/sandbox, dist/drills.
  const devOnly = [
    '@recio/slack-emulator',
    '@recio/console',
    '@recio/sandbox',
    'dist/emulator',
    'dist/console',
    'dist/sandbox',
    'dist/drills',
  ];
  console.log(`recio-bot bench:modules — ${relative(REPO, MAIN)} started with tokens, modules opened until running`);
  console.log(`  module files        ${opened.size}`);
  console.log(
    `  in dependencies     ${dependencyFiles} (${[...byPackage.keys()].filter((n) => !isOwn(n)).length} packages)`,
  );
  console.log(`  own                 ${ownFiles}: ${own.map(([n, c]) => `${n} ${c}`).join(', ')}`);
  console.log(`  dev-only code: ${devOnly.map((n) => `${n} ${byPackage.get(n) ?? 0}`).join(', ')}`);
  console.log(
    JSON.stringify({
      bench: 'modules',
      main: relative(REPO, MAIN),
      files: opened.size,
      dependencyFiles,
      ownFiles,
      own: Object.fromEntries(own),
      devOnly: Object.fromEntries(devOnly.map((n) => [n, byPackage.get(n) ?? 0])),
    }),
  );
} finally {
  stopBot();
  await emulator.close();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
}
