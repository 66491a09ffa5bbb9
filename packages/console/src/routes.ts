import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SlackEmulator } from '@recio/slack-emulator/index';
import type { ConsoleActions } from './actions.js';
import type { EventHub } from './events.js';
import type { PracticeAnswer } from './mode.js';
import { BadRequest, send, sendJson, readJson } from './http-io.js';
import { refuseForeignRequest } from './loopback.js';
import {
  ClickRequest,
  CloseRequest,
  CommandRequest,
  MessageRequest,
  PracticeRequest,
  SubmitRequest,
} from './requests.js';
import { buildSnapshot, imageTypeOf, timelinePictureOf, type SnapshotContext } from './snapshot.js';
import type { Asset } from './static-assets.js';

/**
 * The console's paths. They sit beside the emulator's Slack paths on the same port: Slack's Web API
 * methods always contain a dot (/api/chat.postMessage), so /api/state and friends never collide.
 */
export interface RouteContext {
  emulator: SlackEmulator;
  snapshot: SnapshotContext;
  actions: ConsoleActions;
  events: EventHub;
  assets: ReadonlyMap<string, Asset>;
  /** The port pages reach us on, for the Host/Origin check (known once listening). */
  port: () => number;
  /** Starts the practice REC.IO (the sandbox), or says what this machine lacks for it. */
  practice?: () => Promise<PracticeAnswer>;
}

type Handler = (ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

function post<S extends z.ZodType>(schema: S, run: (ctx: RouteContext, body: z.infer<S>) => Promise<unknown>): Handler {
  return async (ctx, req, res) => {
    const parsed = schema.safeParse(await readJson(req));
    if (!parsed.success) throw new BadRequest(z.prettifyError(parsed.error));
    sendJson(res, 200, await run(ctx, parsed.data));
  };
}

function asset(name: string): Handler {
  return (ctx, _req, res) => {
    const file = ctx.assets.get(name);
    if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    send(res, 200, file.type, file.body);
  };
}

const GET_ROUTES: Record<string, Handler> = {
  '/': asset('index.html'),
  '/events': (ctx, _req, res) => ctx.events.open(res),
  '/api/state': (ctx, _req, res, url) => {
    const user = ctx.actions.viewer(url.searchParams.get('user') ?? '');
    sendJson(res, 200, buildSnapshot(ctx.snapshot, user));
  },
};

const POST_ROUTES: Record<string, Handler> = {
  '/api/command': post(CommandRequest, (ctx, body) => ctx.actions.command(body)),
  '/api/message': post(MessageRequest, (ctx, body) => ctx.actions.message(body)),
  '/api/click': post(ClickRequest, (ctx, body) => ctx.actions.click(body)),
  '/api/submit': post(SubmitRequest, (ctx, body) => ctx.actions.submit(body)),
  '/api/close': post(CloseRequest, (ctx, body) => ctx.actions.close(body)),
  '/api/practice': post(PracticeRequest, async (ctx) => {
    if (!ctx.practice) throw new BadRequest('this console offers no practice REC.IO', 404);
    return ctx.practice();
  }),
};

/** Files shared by the bot (reports, full output, plots): images inline, anything else as a download. */
const serveFile: Handler = (ctx, _req, res, url) => {
  const id = url.pathname.slice('/console/files/'.length);
  const file = ctx.emulator.state.file(id);
  if (!file?.content) return send(res, 404, 'text/plain; charset=utf-8', 'no such file');
  const image = imageTypeOf(file);
  const name = file.filename.replace(/[^\w.-]/g, '_');
  send(
    res,
    200,
    image ?? 'application/octet-stream',
    file.content,
    image ? {} : { 'content-disposition': `attachment; filename="${name}"` },
  );
};

/** An incident's timeline picture (the one shared with its report), by the incident id's first 8 characters. */
const serveTimeline: Handler = (ctx, _req, res, url) => {
  const incident = url.pathname.split('/')[3] ?? '';
  const file = timelinePictureOf(ctx.emulator, incident);
  if (!file?.content)
    return send(
      res,
      404,
      'text/plain; charset=utf-8',
      'no timeline picture for that incident: it comes with the report',
    );
  send(res, 200, 'image/png', file.content);
};

function handlerFor(method: string, path: string): Handler | undefined {
  if (method === 'GET' || method === 'HEAD') {
    if (GET_ROUTES[path]) return GET_ROUTES[path];
    if (/^\/console\/[a-z0-9-]+\.[a-z]+$/.test(path)) return asset(path.slice('/console/'.length));
    if (/^\/console\/files\/F[A-Z0-9]+$/.test(path)) return serveFile;
    if (/^\/console\/incidents\/[0-9a-f]{8}\/timeline\.png$/.test(path)) return serveTimeline;
    return undefined;
  }
  if (method === 'POST') return POST_ROUTES[path];
  return undefined;
}

function isConsolePath(path: string): boolean {
  return path.startsWith('/console/') || Object.hasOwn(GET_ROUTES, path) || Object.hasOwn(POST_ROUTES, path);
}

/** An `ExtraRoutes` handler: answers the console's paths, lets everything else fall through to Slack's. */
export function consoleRoutes(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    if (!isConsolePath(url.pathname)) return false;
    const refusal = refuseForeignRequest(req, ctx.port());
    if (refusal) {
      sendJson(res, 403, { ok: false, error: refusal });
      return true;
    }
    const handler = handlerFor(req.method ?? 'GET', url.pathname);
    if (!handler) {
      sendJson(res, 405, { ok: false, error: `${req.method ?? ''} ${url.pathname} is not served` });
      return true;
    }
    try {
      await handler(ctx, req, res, url);
    } catch (error) {
      // BadRequest carries its status; anything else is what Slack's client would refuse to send
      // (a required input left empty, an element that is gone) or a bot that cannot be reached.
      const status = error instanceof BadRequest ? error.status : 409;
      if (!res.headersSent)
        sendJson(res, status, { ok: false, error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    }
    return true;
  };
}
