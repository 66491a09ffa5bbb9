/**
 * npm run bench:ack — how fast the bot acks a slash command, against a bare Bolt app that only
 * acks, measured in the same run on this machine: 500 signed `/recio <text>` commands at
 * concurrency 50 to each, in alternating rounds so drift hits both alike.
 *
 * Four kinds of process, so no two share an event loop: this one (the Slack emulation for the
 * apps' Web API calls, and a sink for their response_url answers), the load generator
 * (bench/ack-load.ts, which signs, sends and times), the bare Bolt app and the bot
 * (bench/ack-target.ts). The bot does its real work after each ack — claim the delivery in
 * PostgreSQL, look up roles, for `status` fan out over SSH to a real host, answer through
 * response_url — so that work competes with the acks as it would in life. BENCH_TEXT picks the
 * commands (default `help,status`). Prints a table and one JSON line per command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';
import { ms, ratio } from './stats.js';

const TOTAL = Number(process.env.BENCH_COMMANDS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const TEXTS = (process.env.BENCH_TEXT ?? 'help,status').split(',');
const ROUNDS = 10;
const WARMUP = 200;

const quantile = (samples: number[], q: number) =>
  [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] ?? NaN;

function child(
  script: string,
  args: string[],
  env: Record<string, string>,
): { process: ChildProcess; lines: Interface } {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return { process: proc, lines: createInterface({ input: proc.stdout! }) };
}

function nextLine(lines: Interface, proc: ChildProcess, what: string): Promise<string> {
  return new Promise((done, fail) => {
    const onExit = (code: number | null) => fail(new Error(`${what} exited (${code})`));
    proc.once('exit', onExit);
    lines.once('line', (line) => {
      proc.off('exit', onExit);
      done(line);
    });
  });
}

async function stopChild(proc: ChildProcess | undefined): Promise<void> {
  if (proc === undefined || proc.exitCode !== null) return;
  const exited = new Promise((done) => proc.once('exit', done));
  proc.kill('SIGTERM');
  await exited;
}

/** An app under test: its own Slack emulation (Web API), its response_url sink, its process. */
interface Target {
  url: string;
  signingSecret: string;
  responseUrl: string;
  answers: () => number;
  stop(): Promise<void>;
}

async function startTarget(kind: 'bare' | 'bot'): Promise<Target> {
  const slack: SlackEmulator = await startSlackEmulator({ rateLimits: { disabled: true } });
  let answers = 0;
  const sink: Server = createServer((req, res) => {
    req.resume().on('end', () => {
      answers += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((done) => sink.listen(0, '127.0.0.1', done));
  const app = child('ack-target.ts', [kind], {
    ACK_API_URL: slack.apiUrl,
    ACK_BOT_TOKEN: slack.tokens.bot,
    ACK_SIGNING_SECRET: slack.signingSecret,
  });
  const ready = /^READY (\d+)$/.exec(await nextLine(app.lines, app.process, kind));
  if (!ready) throw new Error(`${kind} did not say READY`);
  return {
    url: `http://127.0.0.1:${ready[1]}/slack/events`,
    signingSecret: slack.signingSecret,
    responseUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/commands`,
    answers: () => answers,
    stop: async () => {
      await stopChild(app.process);
      sink.closeAllConnections();
      await new Promise<void>((done) => sink.close(() => done()));
      await slack.close();
    },
  };
}

const load = child('ack-load.ts', [], {});
async function fire(target: Target, text: string, n: number): Promise<number[]> {
  const job = {
    url: target.url,
    signingSecret: target.signingSecret,
    responseUrl: target.responseUrl,
    text,
    n,
    concurrency: CONCURRENCY,
  };
  load.process.stdin!.write(`${JSON.stringify(job)}\n`);
  return JSON.parse(await nextLine(load.lines, load.process, 'the load generator')) as number[];
}

/** The bot's work from one round is done (every answer arrived) before the next round starts. */
async function settled(target: Target, answers: number): Promise<void> {
  const until = Date.now() + 180_000;
  while (target.answers() < answers) {
    if (Date.now() > until) throw new Error(`only ${target.answers()} of ${answers} answers arrived`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

let bare: Target | undefined;
let bot: Target | undefined;
try {
  bare = await startTarget('bare');
  bot = await startTarget('bot');
  let answered = 0;
  for (const text of TEXTS) {
    await fire(bare, text, WARMUP);
    await fire(bot, text, WARMUP);
    answered += WARMUP;
    await settled(bot, answered);
    const bareSamples: number[] = [];
    const botSamples: number[] = [];
    const perRound = Math.ceil(TOTAL / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      bareSamples.push(...(await fire(bare, text, perRound)));
      botSamples.push(...(await fire(bot, text, perRound)));
      answered += perRound;
      await settled(bot, answered);
    }
    const figures = {
      text,
      commands: botSamples.length,
      concurrency: CONCURRENCY,
      bareBolt: { p50: quantile(bareSamples, 0.5), p99: quantile(bareSamples, 0.99) },
      bot: { p50: quantile(botSamples, 0.5), p99: quantile(botSamples, 0.99) },
    };
    const p99Ratio = figures.bot.p99 / figures.bareBolt.p99;
    console.log(`\nack latency, ${figures.commands} signed \`/recio ${text}\` to each, concurrency ${CONCURRENCY}`);
    console.log('                 p50        p99');
    console.log(`bare Bolt     ${ms(figures.bareBolt.p50).padStart(9)}  ${ms(figures.bareBolt.p99).padStart(9)}`);
    console.log(`recio-bot     ${ms(figures.bot.p50).padStart(9)}  ${ms(figures.bot.p99).padStart(9)}`);
    const p50 = ratio(figures.bot.p50, figures.bareBolt.p50).padStart(9);
    const p99 = ratio(figures.bot.p99, figures.bareBolt.p99).padStart(9);
    console.log(`ratio         ${p50}  ${p99}   (target p99 ≤ 1.25×: ${p99Ratio <= 1.25 ? 'met' : 'NOT met'})`);
    console.log(JSON.stringify({ bench: 'ack', ...figures, p99Ratio: Number(p99Ratio.toFixed(3)) }));
  }
} finally {
  load.process.stdin!.end();
  await stopChild(load.process);
  await bot?.stop();
  await bare?.stop();
}
