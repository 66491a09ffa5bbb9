/**
 * npm run bench:redact — what redaction costs per 64 KiB line (the agent redacts every line of
 * output it streams), for an ordinary log line and for lines shaped to make regular expressions
 * backtrack (`a.a.a.…`, `token_token_…`, names with no `=`). Baseline, measured in the same run:
 * the ordinary line. Target: every shape within 10× of it, none over 50 ms (a quadratic rule took
 * 11 s on `a.a.a.…` before the scheme and name rules were made single-pass).
 */
import { redactSecrets } from '@recio/protocol/redact';
import { LineRedactor } from '@recio/protocol/redact-lines';
import { ms, ratio, summarize } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SIZE = 64 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

const shapes: Record<string, string> = {
  'ordinary log (baseline)': fill('2026-12-03T03:57:16Z INFO trade_executor order 42 filled qty=3 price=0.52 '),
  'a.a.a.…': fill('a.'),
  'a-a-a-…': fill('a-'),
  'token_token_…': fill('token_'),
  'DB_PASSWORD_… (no =)': fill('DB_PASSWORD_'),
  'password="…': fill('password="'),
  'http://a:…': fill('http://a:'),
  'Bearer …': fill('Bearer '),
  '-----BEGIN … PRIVATE KEY-----…': fill('-----BEGIN RSA PRIVATE KEY-----'),
};

function time(text: string): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    redactSecrets(text);
    samples.push(performance.now() - started);
  }
  return samples;
}

// Warm-up: the first calls compile the expressions; they are not what a running agent pays.
for (const text of Object.values(shapes)) time(text);
const baseline = summarize(time(shapes['ordinary log (baseline)'] as string)).median;
let worst = 0;
console.log(`redactSecrets on one ${SIZE / 1024} KiB line, median of ${RUNS}:`);
for (const [name, text] of Object.entries(shapes)) {
  const { median, p95 } = summarize(time(text));
  worst = Math.max(worst, median);
  console.log(`  ${name.padEnd(34)} ${ms(median).padStart(9)}  p95 ${ms(p95).padStart(9)}  ${ratio(median, baseline)}`);
}

// The stream path: 1 MiB of log lines pushed in 64 KiB chunks, as the agent receives a program's output.
const log = Array.from({ length: 12_000 }, (_, i) => `line ${i} INFO trade_manager tick ok DB_HOST=db seq=${i}\n`).join(
  '',
);
const streamSamples: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const redactor = new LineRedactor();
  const started = performance.now();
  for (let at = 0; at < log.length; at += SIZE) redactor.push(log.slice(at, at + SIZE));
  redactor.flush();
  streamSamples.push(performance.now() - started);
}
const whole = summarize(time(log)).median;
const streamed = summarize(streamSamples).median;
console.log(
  `\n${(log.length / 1024 / 1024).toFixed(2)} MiB of log: whole text ${ms(whole)}, ` +
    `streamed on lines ${ms(streamed)} (${ratio(streamed, whole)})`,
);
console.log(`\nworst shape ${ms(worst)}: ${worst <= Math.max(50, baseline * 10) ? 'within target' : 'OVER TARGET'}`);
