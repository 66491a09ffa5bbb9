import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A stand-in for the bot's Request URL that records exactly what arrived (headers and raw body)
 * and answers as told — to check the wire format of deliveries without Bolt in between.
 */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  body?: string;
  contentType?: string;
  delayMs?: number;
}

export interface RecordingBot {
  url: string;
  received: Received[];
  reply: (received: Received) => Reply;
  close(): Promise<void>;
}

export async function startRecordingBot(): Promise<RecordingBot> {
  const bot: RecordingBot = { url: '', received: [], reply: () => ({}), close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      bot.received.push(received);
      const reply = bot.reply(received);
      void sleep(reply.delayMs ?? 0).then(() => {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/plain' });
        res.end(reply.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  bot.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  bot.close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return bot;
}
