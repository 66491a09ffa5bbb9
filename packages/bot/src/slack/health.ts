import type { ServerResponse } from 'node:http';
import type { Store } from '../store/index.js';
import type { ExtraRoute } from './receiver.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * `GET /healthz`: 200 when the bot can reach its own store (without it nothing it does is
 * keyed, so it is not healthy), 503 otherwise — within a second, so a probe never hangs.
 */
export function healthRoute(store: Pick<Store, 'ping'>): ExtraRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => void answer(store, res),
  };
}

async function answer(store: Pick<Store, 'ping'>, res: ServerResponse): Promise<void> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new RecioError(ErrorCode.StoreUnavailable, 'the store did not answer within 1 s')),
      1_000,
    ).unref(),
  );
  try {
    await Promise.race([store.ping(), timeout]);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('{"ok":true}\n');
  } catch (error) {
    res
      .writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`);
  }
}
