import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPReceiver, type Logger as SlackLogger } from '@slack/bolt';
import type { AckGate } from './ack-gate.js';

/** A route served beside /slack/events (e.g. /metrics), in the shape of Bolt's customRoutes. */
export interface ExtraRoute {
  path: string;
  method: string | string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Slack: "verify that the request timestamp is within five minutes of local time", either way. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export function timestampIsFresh(header: string | string[] | undefined, nowMs: number): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(nowMs / 1000 - Number(value)) <= MAX_CLOCK_SKEW_SECONDS;
}

export interface GuardedReceiverOptions {
  signingSecret: string;
  logger: SlackLogger;
  routes: ExtraRoute[];
  /** Told of each request refused before Bolt saw it (for metrics and logs). */
  onRefused?: (why: string) => void;
  /** Counts the requests whose answer (the ack) is still owed. */
  gate?: AckGate;
  now?: () => number;
}

const EVENTS_PATH = '/slack/events';

/**
 * Bolt's own HTTP receiver (it checks the signature and refuses timestamps older than five
 * minutes), with one check in front of it: Bolt 5 accepts a correctly signed request stamped
 * minutes in the FUTURE, which lets a captured request be replayed later. Those get the same 401
 * before Bolt reads the body.
 */
export function createGuardedReceiver(options: GuardedReceiverOptions): HTTPReceiver {
  const now = options.now ?? Date.now;
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: [EVENTS_PATH],
    customRoutes: options.routes,
    logger: options.logger,
    processBeforeResponse: false,
  });
  const bolts = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (
      req.method === 'POST' &&
      path === EVENTS_PATH &&
      !timestampIsFresh(req.headers['x-slack-request-timestamp'], now())
    ) {
      options.onRefused?.('stale_or_future_timestamp');
      options.logger.warn('Refused a Slack request whose timestamp is more than five minutes from now');
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'POST' && path === EVENTS_PATH && options.gate) {
      const gate = options.gate;
      gate.enter();
      let left = false;
      const leave = () => {
        if (!left) gate.leave();
        left = true;
      };
      res.once('finish', leave);
      res.once('close', leave);
    }
    return bolts(req, res);
  };
  return receiver;
}

/**
 * In Socket Mode nothing listens for Slack, but /healthz and the extra routes still need a port.
 */
export async function startRoutesServer(routes: ExtraRoute[], port: number, host: string | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find(
      (r) =>
        r.path === path &&
        [r.method]
          .flat()
          .map((m) => m.toUpperCase())
          .includes(req.method ?? 'GET'),
    );
    if (route) return route.handler(req, res);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host ? { host } : {}) }, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
