#!/usr/bin/env node
import { appendFileSync, chmodSync, renameSync, statSync } from 'node:fs';
import { parseTokens, toProcessEvent } from './supervisor-events.js';

/**
 * recio-event-listener: a supervisord event listener ([eventlistener:x] events=PROCESS_STATE_FATAL,
 * PROCESS_STATE_BACKOFF,PROCESS_STATE_EXITED). It appends each event as a JSON line to a spool the
 * agent's `events.follow` streams to the bot, so a crash is seen within seconds, not an interval.
 * It speaks supervisord's protocol on stdin/stdout: READY, read a header and its payload, append,
 * RESULT 2\nOK — and never writes anything else to stdout, which supervisord would misread.
 */
const spoolIndex = process.argv.indexOf('--spool');
const spool = spoolIndex >= 0 ? process.argv[spoolIndex + 1] : undefined;
if (spool === undefined) {
  process.stderr.write('usage: recio-event-listener --spool <file>\n');
  process.exit(2);
}
const MAX_SPOOL_BYTES = 1024 * 1024;

function append(line: string): void {
  try {
    if (statSync(spool!).size > MAX_SPOOL_BYTES) renameSync(spool!, `${spool}.1`);
  } catch {
    // No spool yet (the append below creates it), or no right to rotate it: appending still works.
  }
  appendFileSync(spool!, `${line}\n`, { mode: 0o644 });
  try {
    chmodSync(spool!, 0o644);
  } catch {
    // A spool another user owns keeps its mode; the agent can read it if it could before.
  }
}

let buffer = Buffer.alloc(0);
let header: Record<string, string> | undefined;
process.stdout.write('READY\n');
process.stdin.on('data', (chunk: Buffer) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    if (header === undefined) {
      const newline = buffer.indexOf(10);
      if (newline < 0) return;
      header = parseTokens(buffer.subarray(0, newline).toString('utf8'));
      buffer = buffer.subarray(newline + 1);
    }
    const length = Number(header.len ?? 0);
    if (buffer.length < length) return;
    const payload = buffer.subarray(0, length).toString('utf8');
    buffer = buffer.subarray(length);
    try {
      append(JSON.stringify(toProcessEvent(header, payload)));
    } catch (error) {
      process.stderr.write(`recio-event-listener: cannot write ${spool}: ${(error as Error).message}\n`);
    }
    header = undefined;
    process.stdout.write('RESULT 2\nOK');
    process.stdout.write('READY\n');
  }
});
