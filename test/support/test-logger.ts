import type { StoreLogger } from '@recio/bot/store/index';

/** For the parts under test: warnings and errors reach the test's output, the rest is quiet. */
export const testLogger: StoreLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => process.stderr.write(`[warn] ${msg ?? ''} ${JSON.stringify(obj, errorAware)}\n`),
  error: (obj, msg) => process.stderr.write(`[error] ${msg ?? ''} ${JSON.stringify(obj, errorAware)}\n`),
};

function errorAware(_key: string, value: unknown): unknown {
  return value instanceof Error ? { message: value.message, stack: value.stack } : value;
}
