import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * Responses of the console carry headers that keep the page to itself: no framing (clickjacking),
 * no inline or foreign script (a message that slipped past escaping still cannot run), no MIME
 * sniffing, nothing cached between users.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** A request the console refuses, with the HTTP status it answers. */
export class BadRequest extends RecioError {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(ErrorCode.InvalidRequest, message);
  }
}

/**
 * A JSON body, at most `limitBytes`. Requiring `application/json` also means a cross-site form
 * cannot post here without a CORS preflight, which the console never answers.
 */
export async function readJson(req: IncomingMessage, limitBytes = 64 * 1024): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/json'))
    throw new BadRequest('expected a JSON body (content-type: application/json)', 415);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limitBytes) throw new BadRequest(`request body over ${limitBytes} bytes`, 413);
    chunks.push(buf);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
}
