import type { ServerResponse } from 'node:http';
import type { EmulatorChange, EmulatorState } from '@recio/slack-emulator/index';
import { SECURITY_HEADERS } from './http-io.js';

/**
 * Server-sent events for open pages. An event only says *that* something changed and where; the
 * page then asks /api/state for its own user's view. Content never travels on this shared stream,
 * so an ephemeral message or a modal cannot leak to another user's page.
 */
export interface ChangeNotice {
  type: string;
  channel?: string;
  /** Set when the change concerns one user only (ephemerals, modals). */
  user?: string;
}

/** The bookkeeping changes (API calls, deliveries) change nothing a page shows. */
export function noticeOf(change: EmulatorChange): ChangeNotice | undefined {
  switch (change.type) {
    case 'message':
    case 'message_changed':
    case 'message_deleted':
    case 'reaction_added':
      return { type: change.type, channel: change.message.channel };
    case 'ephemeral':
    case 'ephemeral_changed':
      return { type: change.type, channel: change.ephemeral.channel, user: change.ephemeral.user };
    case 'view_opened':
    case 'view_updated':
    case 'view_closed':
    case 'home_published':
      return { type: change.type, user: change.view.userId };
    case 'file_shared':
    case 'app_connection':
      return { type: change.type };
    default:
      return undefined;
  }
}

/** Proxies and idle timers drop silent connections; a comment line every so often keeps it open. */
const KEEPALIVE_MS = 15_000;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private readonly keepalive: NodeJS.Timeout;
  private seq = 0;

  constructor(state: EmulatorState) {
    this.unsubscribe = state.subscribe((change) => {
      const notice = noticeOf(change);
      if (notice) this.broadcast(notice);
    });
    this.keepalive = setInterval(() => {
      for (const res of this.clients) res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  open(res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    // `retry` makes the browser reconnect quickly after the bot restarts the console.
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ seq: this.seq })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** A change of the console's own (its banner), for every page. */
  announce(notice: ChangeNotice): void {
    this.broadcast(notice);
  }

  private broadcast(notice: ChangeNotice): void {
    this.seq += 1;
    const frame = `id: ${this.seq}\nevent: change\ndata: ${JSON.stringify({ ...notice, seq: this.seq })}\n\n`;
    for (const res of this.clients) res.write(frame);
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.keepalive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
