import type { IncomingMessage } from 'node:http';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * The console lets whoever reaches it act as any user of the workspace, so it must only ever be
 * reachable from this machine: it binds loopback only, and it refuses requests whose Host or
 * Origin is not a loopback name. The second check is the DNS-rebinding guard: a page on
 * evil.example that rebinds its name to 127.0.0.1 reaches our socket, but its requests still say
 * `Host: evil.example`.
 */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Throws unless `host` is a loopback address: the console never listens anywhere else. */
export function assertLoopbackHost(host: string): void {
  if (!isLoopbackHost(host)) {
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      `The local console listens on loopback only (127.0.0.1, ::1, localhost); got host "${host}"`,
    );
  }
}

/** The Host header values a browser sends for our own pages on `port` (no port when it is 80). */
function allowedAuthorities(port: number): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  return new Set(port === 80 ? names : names.map((n) => `${n}:${port}`));
}

/**
 * Why a request must be refused, or undefined when it comes from our own page (or from a
 * non-browser client on this machine, which sends no Origin).
 */
export function refuseForeignRequest(req: IncomingMessage, port: number): string | undefined {
  const allowed = allowedAuthorities(port);
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) return `Host "${host}" is not this console's loopback address`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  // "Origin: null" (sandboxed frames, file: pages) parses to nothing and is refused like any stranger.
  let ours = false;
  try {
    const url = new URL(origin);
    ours = url.protocol === 'http:' && allowed.has(url.host);
  } catch {
    ours = false;
  }
  return ours ? undefined : `Origin "${origin}" is not this console`;
}
