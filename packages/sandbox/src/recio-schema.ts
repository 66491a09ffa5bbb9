/**
 * REC.IO v2's tables as the sandbox makes them. The column names are the ones the rest of recio-bot
 * already assumes (test/support/engine-fixture.ts): btc_price_log(ts, price),
 * kalshi_market_snapshots(ts, market, yes_bid), trades. service_heartbeats is where the six
 * programs say they are alive, so "trades can be placed" has something in the database to show.
 */
export const RECIO_TABLES = ['trades', 'btc_price_log', 'kalshi_market_snapshots', 'service_heartbeats'] as const;

/** The table `break postgres-failure --variant drop-table` drops: the market feed's. */
export const DROPPED_TABLE = 'kalshi_market_snapshots';

export const RECIO_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS trades (
  id serial PRIMARY KEY,
  symbol text NOT NULL,
  side text NOT NULL DEFAULT 'yes',
  contracts integer NOT NULL DEFAULT 1,
  price numeric NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'open',
  placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS btc_price_log (ts timestamptz NOT NULL DEFAULT now(), price numeric NOT NULL);
CREATE INDEX IF NOT EXISTS btc_price_log_ts ON btc_price_log (ts);
CREATE TABLE IF NOT EXISTS kalshi_market_snapshots (
  ts timestamptz NOT NULL DEFAULT now(), market text NOT NULL, yes_bid numeric
);
CREATE INDEX IF NOT EXISTS kalshi_market_snapshots_ts ON kalshi_market_snapshots (ts);
CREATE TABLE IF NOT EXISTS service_heartbeats (
  service text PRIMARY KEY, beat_at timestamptz NOT NULL, pid integer, release text
);
`;

/** Yesterday's history, so the first nightly dump and a restore carry real rows. */
export const RECIO_SEED_SQL = `
INSERT INTO trades (symbol, side, contracts, price, status, placed_at) VALUES
  ('KXBTC-25NOV-B97000', 'yes', 10, 0.42, 'settled', now() - interval '1 day'),
  ('KXBTC-25NOV-B98000', 'no', 5, 0.61, 'open', now() - interval '3 hours'),
  ('KXBTC-25NOV-B99000', 'yes', 3, 0.18, 'open', now() - interval '1 hour');
INSERT INTO btc_price_log (ts, price)
  SELECT now() - interval '1 day' + make_interval(mins => g), 96000 + (g % 37) * 13.5
  FROM generate_series(0, 119) AS g;
INSERT INTO kalshi_market_snapshots (ts, market, yes_bid)
  SELECT now() - interval '1 day' + make_interval(mins => g), m, 0.30 + (g % 11) * 0.02
  FROM generate_series(0, 59) AS g,
    unnest(ARRAY['KXBTC-25NOV-B97000', 'KXBTC-25NOV-B98000', 'KXBTC-25NOV-B99000']) AS m;
`;
