import type { ProgramConfig } from './program-files.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** What a program's behaviour may use: the database, its providers, its log. */
export interface ProgramContext {
  name: string;
  release: string;
  config: ProgramConfig;
  log(message: string): void;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  fetch(provider: 'kalshi' | 'coinbase', path: string): Promise<unknown>;
}

const one = async (ctx: ProgramContext, sql: string): Promise<Record<string, unknown>> =>
  (await ctx.query(sql))[0] ?? {};
const age = (value: unknown) => (value === null || value === undefined ? 'none' : `${Math.round(Number(value))}s old`);

/** The line each program's heartbeat logs, from a query that proves it can use the database. */
export const HEARTBEATS: Record<string, (ctx: ProgramContext) => Promise<string>> = {
  trade_manager: async (ctx) => {
    const row = await one(ctx, "SELECT count(*) FILTER (WHERE status = 'open') AS open, count(*) AS total FROM trades");
    return `${row.open} open trades of ${row.total}`;
  },
  trade_executor: async (ctx) => {
    const row = await one(ctx, "SELECT count(*) AS pending FROM trades WHERE status = 'pending'");
    return `${row.pending} orders pending`;
  },
  active_trade_supervisor: async (ctx) => {
    const row = await one(
      ctx,
      "SELECT (SELECT count(*) FROM trades WHERE status = 'open') AS open, " +
        'EXTRACT(EPOCH FROM now() - (SELECT max(ts) FROM kalshi_market_snapshots)) AS age',
    );
    return `watching ${row.open} open trades, newest market snapshot ${age(row.age)}`;
  },
  auto_entry_supervisor: async (ctx) => {
    const row = await one(ctx, 'SELECT EXTRACT(EPOCH FROM now() - max(ts)) AS age FROM btc_price_log');
    const stale = row.age === null || Number(row.age) > 30;
    // The plan's §1.3 risk: entries decided on a frozen price.
    return stale
      ? `WARN BTC price is ${age(row.age)}: entry signals run on stale data`
      : `entry signals on a BTC price ${age(row.age)}`;
  },
  btc_price_watchdog: async (ctx) => {
    const row = await one(ctx, 'SELECT EXTRACT(EPOCH FROM now() - max(ts)) AS age FROM btc_price_log');
    return `newest BTC price ${age(row.age)}`;
  },
  kalshi_api_watchdog: async (ctx) => {
    const row = await one(ctx, 'SELECT EXTRACT(EPOCH FROM now() - max(ts)) AS age FROM kalshi_market_snapshots');
    return `newest market snapshot ${age(row.age)}`;
  },
};

interface Feed {
  intervalMs(config: ProgramConfig): number;
  tick(ctx: ProgramContext): Promise<void>;
}

/** The two watchdogs copy their provider's data into the database, one row (or batch) per tick. */
export const FEEDS: Record<string, Feed> = {
  btc_price_watchdog: {
    intervalMs: (config) => config.tuning.btcIntervalMs,
    tick: async (ctx) => {
      const ticker = (await ctx.fetch('coinbase', '/products/BTC-USD/ticker')) as { price?: string };
      const price = Number(ticker.price);
      if (!Number.isFinite(price))
        throw new RecioError(
          ErrorCode.ActionFailed,
          `coinbase ticker without a price: ${JSON.stringify(ticker).slice(0, 200)}`,
        );
      await ctx.query('INSERT INTO btc_price_log (ts, price) VALUES (now(), $1)', [price]);
    },
  },
  kalshi_api_watchdog: {
    intervalMs: (config) => config.tuning.kalshiIntervalMs,
    tick: async (ctx) => {
      const body = (await ctx.fetch('kalshi', '/trade-api/v2/markets?status=open')) as {
        markets?: Array<{ ticker: string; yes_bid: number }>;
      };
      const markets = body.markets ?? [];
      if (markets.length === 0) return;
      await ctx.query(
        'INSERT INTO kalshi_market_snapshots (ts, market, yes_bid) ' +
          'SELECT now(), m, b FROM unnest($1::text[], $2::numeric[]) AS t(m, b)',
        [markets.map((m) => m.ticker), markets.map((m) => m.yes_bid)],
      );
    },
  },
};
