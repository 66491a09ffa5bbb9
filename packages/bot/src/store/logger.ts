/** The part of a pino logger the store uses; a pino `Logger` fits as it is. */
export interface StoreLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;

export const silentLogger: StoreLogger = { debug: noop, info: noop, warn: noop, error: noop };
