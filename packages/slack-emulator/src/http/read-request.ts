import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reading requests the way Slack's Web API does: arguments from the query string and from a body
 * that is form-encoded (what @slack/web-api sends), JSON, or multipart; the token from
 * `Authorization: Bearer`, or — for form and query arguments only — a `token` argument. Slack
 * does not read a token from a JSON body ("you must send your token as a bearer token").
 */
export interface ParsedRequest {
  args: Record<string, unknown>;
  token?: string;
  rawBody: Buffer;
  contentType: string;
  /** File parts of a multipart body. */
  files: Array<{ field: string; filename: string; data: Buffer }>;
}

export async function readBody(req: IncomingMessage, limitBytes = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export async function parseRequest(req: IncomingMessage, rawBody: Buffer): Promise<ParsedRequest> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files: ParsedRequest['files'] = [];
  let tokenFromArgs = typeof args.token === 'string' ? args.token : undefined;

  if (contentType.startsWith('application/json')) {
    const text = rawBody.toString('utf8');
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(args, parsed);
  } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(rawBody.toString('utf8'));
    for (const [k, v] of form) args[k] = v;
    if (typeof args.token === 'string') tokenFromArgs = args.token;
  } else if (contentType.startsWith('multipart/form-data')) {
    // Let undici's own multipart parser do the work, as fetch would on the receiving side.
    const form = await new Response(new Uint8Array(rawBody), { headers: { 'content-type': contentType } }).formData();
    for (const [k, v] of form) {
      if (typeof v === 'string') args[k] = v;
      else files.push({ field: k, filename: v.name, data: Buffer.from(await v.arrayBuffer()) });
    }
    if (typeof args.token === 'string') tokenFromArgs = args.token;
  }
  delete args.token;

  const auth = req.headers.authorization;
  const bearer = auth?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return { args, token: bearer ?? tokenFromArgs, rawBody, contentType, files };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Read a string argument (numbers and booleans arrive as strings from forms, as values from JSON). */
export function argString(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : String(v);
}

export function argBool(args: Record<string, unknown>, key: string): boolean {
  const v = args[key];
  return v === true || v === 'true' || v === '1' || v === 1;
}
