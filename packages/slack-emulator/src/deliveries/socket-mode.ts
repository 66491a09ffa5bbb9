import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DeliveryAttempt, DeliveryRecord } from '../records.js';
import type { EmulatorCore } from '../web-api/context.js';

/**
 * Socket Mode (https://api.slack.com/apis/connections/socket): apps.connections.open hands out a
 * one-time WebSocket URL; on connect Slack sends `{"type":"hello", …}`, then envelopes
 * `{envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason}`. The app
 * acks with `{envelope_id, payload?}`. An Events API envelope not acked in time is sent again
 * with the same envelope_id and retry_attempt + 1; slash commands and interactivity are not
 * (their envelopes carry no retry fields; the person sees "operation_timeout" or "This app took
 * too long to respond" instead — node-slack-sdk socket-mode SocketModeClient.ts: `retry_attempt?:
 * number; // type: events_api`).
 */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketModeOptions {
  /** How long Slack waits for an ack before redelivering (Slack: a few seconds). */
  ackTimeoutMs: number;
  /** Redeliveries of an Events API envelope after the first attempt (Slack: 3). */
  maxRetries: number;
  /** Server pings keep SocketModeClient's liveness check happy on long sessions. */
  pingIntervalMs: number;
}

interface Pending {
  delivery: DeliveryRecord;
  attempt: DeliveryAttempt;
  started: number;
  timer?: NodeJS.Timeout;
  resolve: () => void;
}

export const SOCKET_PATH = '/link/';

export class SocketModeHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly waiters: Array<() => void> = [];
  private next = 0;
  private ping?: NodeJS.Timeout;

  constructor(
    private readonly core: EmulatorCore,
    private readonly options: SocketModeOptions,
  ) {
    this.ping = setInterval(() => {
      for (const s of this.sockets) s.ping();
    }, options.pingIntervalMs);
    this.ping.unref();
  }

  /** apps.connections.open: a fresh single-use ticket URL. */
  issueUrl(): string {
    const ticket = this.core.ids.secret(16);
    this.tickets.add(ticket);
    const base = this.core.baseUrl().replace(/^http/, 'ws');
    return `${base}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.core.workspace.appId}`;
  }

  get connectionCount(): number {
    return this.sockets.length;
  }

  /** Resolves once at least one app connection has received its hello. */
  waitForConnection(): Promise<void> {
    if (this.sockets.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!url.pathname.startsWith(SOCKET_PATH) || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => {
      this.sockets.splice(this.sockets.indexOf(ws), 1);
      this.core.state.emit({ type: 'app_connection', connections: this.sockets.length });
    });
    ws.on('error', () => ws.terminate());
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.core.workspace.appId },
      }),
    );
    for (const resolve of this.waiters.splice(0)) resolve();
    this.core.state.emit({ type: 'app_connection', connections: this.sockets.length });
  }

  /** Ask the app to reconnect, as Slack does before recycling a connection. */
  sendDisconnect(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    for (const s of this.sockets)
      s.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } }));
  }

  /**
   * Deliver an envelope; resolves when it is acked or the last retry timed out. `firstAttempt` > 0
   * sends it as a retry straight away (same envelope_id).
   */
  deliver(
    delivery: DeliveryRecord,
    type: EnvelopeType,
    acceptsResponsePayload: boolean,
    firstAttempt = 0,
  ): Promise<void> {
    const envelopeId = delivery.envelopeId ?? this.core.ids.envelopeId();
    delivery.envelopeId = envelopeId;
    return new Promise((resolve) => {
      const send = (retryAttempt: number) => {
        const attempt: DeliveryAttempt = {
          retryNum: retryAttempt,
          ...(retryAttempt > 0 ? { retryReason: 'timeout' } : {}),
          startedAt: this.core.clock.now(),
          outcome: 'pending',
        };
        delivery.attempts.push(attempt);
        const socket = this.sockets[this.next++ % Math.max(this.sockets.length, 1)];
        if (!socket) {
          attempt.outcome = 'failed';
          attempt.error = 'no_socket_mode_connection';
          this.pending.delete(envelopeId);
          resolve();
          return;
        }
        const entry: Pending = { delivery, attempt, started: performance.now(), resolve };
        entry.timer = setTimeout(() => {
          attempt.outcome = 'timed_out';
          const redelivered = type === 'events_api';
          if (redelivered && retryAttempt - firstAttempt < this.options.maxRetries) send(retryAttempt + 1);
          else {
            this.pending.delete(envelopeId);
            resolve();
          }
        }, this.options.ackTimeoutMs);
        this.pending.set(envelopeId, entry);
        const retryFields =
          type === 'events_api' || retryAttempt > 0
            ? { retry_attempt: retryAttempt, retry_reason: retryAttempt > 0 ? 'timeout' : '' }
            : {};
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            payload: delivery.payload,
            type,
            accepts_response_payload: acceptsResponsePayload,
            ...retryFields,
          }),
        );
      };
      send(firstAttempt);
    });
  }

  private onMessage(text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.envelope_id !== 'string') return;
    const entry = this.pending.get(message.envelope_id);
    if (!entry) return; // a late or duplicate ack: Slack has moved on
    clearTimeout(entry.timer);
    this.pending.delete(message.envelope_id);
    entry.attempt.outcome = 'acked';
    entry.attempt.ackMs = performance.now() - entry.started;
    if (message.payload !== undefined) entry.attempt.ackPayload = message.payload;
    entry.resolve();
  }

  async close(): Promise<void> {
    clearInterval(this.ping);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.attempt.outcome = 'failed';
      entry.attempt.error = 'emulator_closed';
      entry.resolve();
    }
    this.pending.clear();
    for (const s of [...this.sockets]) s.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
