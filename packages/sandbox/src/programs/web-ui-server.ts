#!/usr/bin/env node
/**
 * REC.IO's web UI, reduced to what recovery checks: `web-ui-server.js --port <n> --repo <checkout>`.
 * /health is 200 when the database answers and both feeds are fresh, else 503 with the reasons;
 * / is a small page with the same facts for a person.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { flag, log as logLine, readDbSettings, readProgramConfig } from './program-files.js';

const argv = process.argv.slice(2);
const port = Number(flag(argv, 'port'));
const repo = flag(argv, 'repo') ?? process.cwd();
const log = (message: string) => logLine('web_ui', message);
const config = readProgramConfig(repo);
const pool = new pg.Pool({
  ...readDbSettings(repo),
  max: 3,
  connectionTimeoutMillis: 2_000,
  idleTimeoutMillis: 10_000,
});
pool.on('error', () => undefined);

interface Health {
  ok: boolean;
  db: 'ok' | string;
  feeds: Record<string, { ageSeconds: number | null; fresh: boolean }>;
  problems: string[];
}

const FEED_TABLES = { btc_price: 'btc_price_log', kalshi: 'kalshi_market_snapshots' } as const;

async function health(): Promise<Health> {
  const maxAge = config.tuning.webMaxFeedAgeSeconds;
  const result: Health = { ok: false, db: 'ok', feeds: {}, problems: [] };
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    result.db = (error as Error).message;
    result.problems.push(`database: ${result.db}`);
    return result;
  }
  for (const [feed, table] of Object.entries(FEED_TABLES)) {
    try {
      const { rows } = await pool.query<{ age: string | null }>(
        `SELECT EXTRACT(EPOCH FROM now() - max(ts)) AS age FROM ${table}`,
      );
      const ageSeconds = rows[0]?.age === null || rows[0]?.age === undefined ? null : Math.round(Number(rows[0].age));
      const fresh = ageSeconds !== null && ageSeconds <= maxAge;
      result.feeds[feed] = { ageSeconds, fresh };
      if (!fresh)
        result.problems.push(
          `${feed} feed ${ageSeconds === null ? 'has no rows' : `is ${ageSeconds}s old (max ${maxAge}s)`}`,
        );
    } catch (error) {
      result.feeds[feed] = { ageSeconds: null, fresh: false };
      result.problems.push(`${feed} feed: ${(error as Error).message}`);
    }
  }
  result.ok = result.problems.length === 0;
  return result;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://web').pathname;
  if (path !== '/health' && path !== '/') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  health().then(
    (h) => {
      const status = h.ok ? 200 : 503;
      if (path === '/health') {
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: h.ok ? 'ok' : 'degraded', ...h }));
        return;
      }
      const rows = Object.entries(h.feeds)
        .map(([feed, f]) => `<li>${feed}: ${f.ageSeconds === null ? 'no data' : `${f.ageSeconds}s old`}</li>`)
        .join('');
      const problems = h.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
      res
        .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><title>REC.IO v2</title><h1>REC.IO v2 ${h.ok ? 'healthy' : 'degraded'}</h1>` +
            `<p>database: ${escapeHtml(h.db)}</p><ul>${rows}</ul><ul>${problems}</ul>\n`,
        );
    },
    (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
  );
});

server.listen(port, '127.0.0.1', () => log(`listening on 127.0.0.1:${port} (pid ${process.pid})`));
server.on('error', (error) => {
  log(`FATAL: ${error.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});
