import { ErrorCode, RecioError } from '@recio/protocol/errors';

// Node socket errors and pg's own messages that mean "no answer from the server", as opposed
// to the server answering with an error about the statement.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const PG_MESSAGES = [
  'timeout exceeded when trying to connect',
  'timeout expired',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
// SQLSTATEs: 08xxx connection exceptions, 57P01-57P03 shutdown/crash/starting up, 57014 statement
// timeout (a wedged store looks like an absent one to the person waiting), 53300 too many connections.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);

/** True when the error says the store could not be reached or did not answer in time. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof RecioError) return error.code === ErrorCode.StoreUnavailable;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return PG_MESSAGES.some((m) => error.message.startsWith(m));
}

/** Turns "cannot reach PostgreSQL" into `store_unavailable`; any other error is returned as it is. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof RecioError || !isUnavailable(error)) return error;
  const detail =
    error instanceof Error ? error.message || (error as { code?: string }).code || 'no detail' : String(error);
  return new RecioError(
    ErrorCode.StoreUnavailable,
    `the store (PostgreSQL) is unavailable: ${detail}`,
    {},
    { cause: error },
  );
}

/** The SQLSTATE of a pg error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
