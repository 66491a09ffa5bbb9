import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SOCKET_PATH, type SocketModeHub } from '../deliveries/socket-mode.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { EmulatorCore, MethodTable } from '../web-api/context.js';
import { handleApiCall } from '../web-api/dispatch.js';
import { receiveUpload, UPLOAD_PATH_PREFIX } from '../web-api/files.js';
import { parseRequest, readBody, sendJson, sendText } from './read-request.js';

/**
 * The emulator's one HTTP server, standing in for several Slack hosts:
 * slack.com/api/<method> → /api/<method>; files.slack.com/upload/v1/… → /upload/v1/…;
 * hooks.slack.com/commands|actions/… (response_url) → /commands|/actions/…;
 * files' url_private → /files/<id>/<name>; wss-primary.slack.com/link → /link/ (Socket Mode).
 */
/**
 * Extra routes served on the same port (the local console's pages and event stream). Return true
 * when the request was handled; anything else falls through to Slack's routes.
 */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export function createEmulatorServer(
  core: EmulatorCore,
  methods: MethodTable,
  limiter: RateLimiter,
  socket: SocketModeHub,
  extraRoutes?: ExtraRoutes,
): Server {
  const server = createServer((req, res) => {
    const handled = extraRoutes ? Promise.resolve(extraRoutes(req, res)) : Promise.resolve(false);
    handled
      .then((done) => (done ? undefined : route(core, methods, limiter, req, res)))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error', detail: String(error) });
        else res.destroy();
      });
  });
  server.on('upgrade', (req, sock, head) => {
    if ((req.url ?? '').startsWith(SOCKET_PATH)) socket.handleUpgrade(req, sock, head);
    else sock.destroy();
  });
  return server;
}

async function route(
  core: EmulatorCore,
  methods: MethodTable,
  limiter: RateLimiter,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://emulator.invalid').pathname;
  if (path.startsWith('/api/')) {
    return handleApiCall(core, methods, limiter, decodeURIComponent(path.slice('/api/'.length)), req, res);
  }
  if (req.method === 'POST' && path.startsWith(UPLOAD_PATH_PREFIX)) {
    const answer = receiveUpload(core, path, await parseRequest(req, await readBody(req)));
    return sendText(res, answer.status, answer.text);
  }
  if (req.method === 'POST' && core.responseUrls.isResponseUrlPath(path)) {
    const answer = core.responseUrls.handle(core, path, (await readBody(req)).toString('utf8'));
    return sendJson(res, answer.status, answer.body);
  }
  const file = path.match(/^\/files\/(F[A-Z0-9]+)(\/|$)/);
  if (req.method === 'GET' && file) {
    // url_private needs the bot token, as on Slack.
    if (req.headers.authorization !== `Bearer ${core.tokens.bot}`) return sendText(res, 403, 'not_authed');
    const record = core.state.file(file[1] ?? '');
    if (!record?.content) return sendText(res, 404, 'file_not_found');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': record.content.length });
    res.end(record.content);
    return;
  }
  sendText(res, 404, 'not_found');
}
