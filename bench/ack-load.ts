/**
 * The load generator of bench:ack, in a process of its own: neither the apps under test nor the
 * Slack emulation share its event loop, so what it times is the apps' answer alone. Reads one
 * JSON job per stdin line — {url, signingSecret, responseUrl, text, n, concurrency} — sends `n`
 * signed slash commands exactly as Slack encodes them, and prints the ack times (ms) as one JSON
 * line.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import pLimit from 'p-limit';
import { slackSignatureHeaders } from '@recio/slack-emulator/index';

interface Job {
  url: string;
  signingSecret: string;
  responseUrl: string;
  text: string;
  n: number;
  concurrency: number;
}

const USERS = [
  ['U0ALICE0001', 'alice'],
  ['U0BOB000001', 'bob'],
  ['U0CAROL0001', 'carol'],
] as const;

async function send(job: Job, i: number): Promise<number> {
  const [userId, userName] = USERS[i % USERS.length]!;
  const body = new URLSearchParams({
    token: 'verification-token-unused',
    team_id: 'T0RECIO0001',
    team_domain: 'recio-dr',
    channel_id: 'C0OPS000001',
    channel_name: 'ops',
    user_id: userId,
    user_name: userName,
    command: '/recio',
    text: job.text,
    api_app_id: 'A0RECIOBOT1',
    is_enterprise_install: 'false',
    response_url: `${job.responseUrl}/${i}`,
    trigger_id: `${Date.now()}.${randomBytes(8).toString('hex')}`,
  }).toString();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    ...slackSignatureHeaders(job.signingSecret, Math.floor(Date.now() / 1000), body),
  };
  const started = performance.now();
  const response = await fetch(job.url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  const took = performance.now() - started;
  if (response.status !== 200) throw new Error(`a command was not acked: HTTP ${response.status}`);
  return took;
}

for await (const line of createInterface({ input: process.stdin })) {
  const job = JSON.parse(line) as Job;
  const limit = pLimit(job.concurrency);
  const samples = await Promise.all(Array.from({ length: job.n }, (_, i) => limit(() => send(job, i))));
  console.log(JSON.stringify(samples));
}
