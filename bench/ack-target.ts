/**
 * One side of bench:ack, in a process of its own so the load generator and the Slack emulation
 * (in the parent) do not share its event loop: `bare` — a Bolt app that only acks; `bot` —
 * recio-bot wired for real (store, a real host over SSH, engine, Operations, the Slack app).
 * Prints `READY <port>` once it listens; stops cleanly on SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { execa } from 'execa';
import { startBotCore } from '../test/support/bot-harness.js';

const slack = {
  apiUrl: process.env.ACK_API_URL!,
  botToken: process.env.ACK_BOT_TOKEN!,
  signingSecret: process.env.ACK_SIGNING_SECRET!,
};
const quiet = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let stop: () => Promise<void>;
if (process.argv[2] === 'bare') {
  const app = new App({
    token: slack.botToken,
    signingSecret: slack.signingSecret,
    logger: quiet,
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  app.command('/recio', async ({ ack }) => ack());
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  stop = async () => {
    server.closeAllConnections();
    await app.stop();
  };
  console.log(`READY ${(server.address() as AddressInfo).port}`);
} else {
  const bot = await startBotCore({ slack });
  stop = bot.stop;
  // In production the REC.IO host is another machine; here its sshd, agent and supervisorctl
  // share this machine's cores with the bot. At the lowest CPU priority they stand in for a remote
  // host: they still run, but they do not take the bot's CPU while acks are waiting.
  const host = bot.testHosts.db1!;
  for (const pidFile of [join(host.dir, 'sshd', 'sshd.pid'), join(host.supervisor.dir, 'supervisord.pid')]) {
    const pid = (await readFile(pidFile, 'utf8')).trim();
    await execa('renice', ['-n', '19', '-p', pid]);
  }
  console.log(`READY ${bot.port}`);
}
process.once('SIGTERM', () => {
  void stop().finally(() => process.exit(0));
});
