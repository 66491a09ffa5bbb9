import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { DbSettings } from './program-files.js';

/** A dependency (the database, a provider) and since when it has been failing. */
export class Dependency {
  private downSince: number | undefined;

  markUp(): void {
    this.downSince = undefined;
  }

  markDown(now = Date.now()): void {
    this.downSince ??= now;
  }

  downForSeconds(now = Date.now()): number {
    return this.downSince === undefined ? 0 : (now - this.downSince) / 1000;
  }
}

/** A provider call that failed: a 5xx (or any non-2xx), or no answer in time (`host_unreachable`). */
export class ApiError extends RecioError {
  constructor(
    readonly provider: string,
    readonly path: string,
    readonly status: number | undefined,
    why?: string,
  ) {
    super(
      status === undefined ? ErrorCode.HostUnreachable : ErrorCode.ActionFailed,
      status === undefined
        ? `API ${why ?? 'error'} from ${provider} (GET ${path})`
        : `API error ${status} from ${provider} (GET ${path})`,
      { host: provider },
    );
  }
}

// node-postgres reports a refused or dropped connection with these; the server's own shutdown
// codes (57P01 admin_shutdown, …) and class 08 are the same thing seen from inside a session.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

const CONNECTION_MESSAGE = new RegExp(
  [
    'Connection terminated',
    'connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
  ].join('|'),
  'i',
);

export function isConnectionError(error: unknown): boolean {
  const { code, message = '' } = error as { code?: string; message?: string };
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_MESSAGE.test(message);
}

/**
 * The line psycopg2 writes when the server is down: REC.IO's logs say this, and the plan's
 * symptom list (§1.1) quotes it, so an operator (or the monitor) greps for it.
 */
export function couldNotConnect(db: DbSettings): string {
  return (
    'psycopg2.OperationalError: could not connect to server: Connection refused. ' +
    `Is the server running on host "${db.host}" and accepting TCP/IP connections on port ${db.port}?`
  );
}

/** GET a provider's JSON, bounded by `timeoutMs`; anything but a 2xx is an ApiError. */
export async function fetchJson(provider: string, baseUrl: string, path: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new ApiError(provider, path, undefined, timedOut ? `timeout after ${timeoutMs} ms` : 'connection failed');
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ApiError(provider, path, response.status);
  }
  return response.json();
}
