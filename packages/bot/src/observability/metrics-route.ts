import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

/** Answers one scrape; a collect that throws (the store down) is a 500, never a half-written body. */
export async function serveMetrics(metrics: Metrics, res: ServerResponse): Promise<void> {
  try {
    const { contentType, body } = await metrics.metricsText();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics collection failed: ${(error as Error).message}\n`);
  }
}

/**
 * `GET /metrics` in the shape of Bolt's `customRoutes` entries ({path, method, handler}), so the
 * HTTP receiver serves it on the port it already has. Declared structurally: this folder does not
 * import Bolt.
 */
export function metricsRoute(metrics: Metrics): {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
} {
  return { path: '/metrics', method: ['GET'], handler: (_req, res) => void serveMetrics(metrics, res) };
}

/** A listener of its own, for Socket Mode where there is no HTTP receiver to add a route to. */
export async function startMetricsServer(
  metrics: Metrics,
  options: { port: number; host?: string },
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      void serveMetrics(metrics, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
