#!/usr/bin/env node
/**
 * A stand-in for Coinbase or Kalshi on loopback:
 *   provider-stand-in.js --name kalshi|coinbase --port <n> --control <file>
 * The control file says how it behaves, read on every request so a fault flips it at once:
 * `ok`, `503` (every endpoint answers 503), or `hang` (accepts and never answers).
 * Endpoints: /health, a price endpoint and a markets endpoint, under the real APIs' paths too.
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { flag, log as logLine } from './program-files.js';

const argv = process.argv.slice(2);
const name = flag(argv, 'name') ?? 'provider';
const port = Number(flag(argv, 'port'));
const controlFile = flag(argv, 'control');
const log = (message: string) => logLine(`${name}-stand-in`, message);

type ProviderMode = 'ok' | '503' | 'hang';

function mode(): ProviderMode {
  if (controlFile === undefined) return 'ok';
  try {
    const text = readFileSync(controlFile, 'utf8').trim();
    return text === '503' || text === 'hang' ? text : 'ok';
  } catch {
    // No control file: the provider is healthy.
    return 'ok';
  }
}

// A slow random walk, so consecutive rows differ the way a live feed does.
let btc = 97_000 + Math.random() * 1_000;
const bids = new Map<string, number>([
  ['KXBTC-25NOV-B97000', 0.42],
  ['KXBTC-25NOV-B98000', 0.35],
  ['KXBTC-25NOV-B99000', 0.18],
]);
const walk = () => {
  btc = Math.max(1_000, btc + (Math.random() - 0.5) * 40);
  for (const [ticker, bid] of bids)
    bids.set(ticker, Math.min(0.99, Math.max(0.01, bid + (Math.random() - 0.5) * 0.02)));
};

function routes(path: string): unknown | undefined {
  const now = new Date().toISOString();
  const markets = () =>
    [...bids].map(([ticker, bid]) => ({
      ticker,
      status: 'open',
      yes_bid: Number(bid.toFixed(2)),
      no_bid: Number((1 - bid).toFixed(2)),
    }));
  const price = () => ({ trade_id: Date.now(), price: btc.toFixed(2), time: now });
  const table: Record<string, () => unknown> = {
    '/health': () => ({ status: 'ok', provider: name, time: now }),
    '/price': name === 'coinbase' ? price : () => ({ markets: markets() }),
    '/markets': name === 'coinbase' ? () => [{ id: 'BTC-USD', status: 'online' }] : () => ({ markets: markets() }),
    // Coinbase Exchange API paths.
    '/time': () => ({ iso: now, epoch: Date.now() / 1000 }),
    '/products/BTC-USD/ticker': price,
    '/products': () => [{ id: 'BTC-USD', status: 'online' }],
    // Kalshi trade API v2 paths.
    '/trade-api/v2/exchange/status': () => ({ exchange_active: true, trading_active: true }),
    '/trade-api/v2/markets': () => ({ markets: markets(), cursor: '' }),
  };
  return table[path]?.();
}

const hanging = new Set<ServerResponse>();
const server = createServer((req, res) => {
  const current = mode();
  if (current === 'hang') {
    // Held until the client gives up; a real outage's half-open connection.
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return;
  }
  if (current === '503') {
    res
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' })
      .end(JSON.stringify({ error: 'service unavailable', provider: name }));
    return;
  }
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  walk();
  const body = routes(path);
  if (body === undefined) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', path }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});

server.listen(port, '127.0.0.1', () => log(`listening on 127.0.0.1:${port} (pid ${process.pid}, mode ${mode()})`));
server.on('error', (error) => {
  log(`FATAL: ${error.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  for (const res of hanging) res.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});
