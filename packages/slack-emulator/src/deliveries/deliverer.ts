import { setTimeout as sleep } from 'node:timers/promises';
import { applyAck } from '../interactive/ack-effects.js';
import type { DeliveryAttempt, DeliveryKind, DeliveryRecord, Json } from '../records.js';
import type { EmulatorCore } from '../web-api/context.js';
import { sendOverHttp, type Tamper } from './http-transport.js';
import type { EnvelopeType, SocketModeHub } from './socket-mode.js';

/**
 * Routes deliveries to the bot over HTTP (its Request URL) or Socket Mode, records every attempt,
 * and applies what Slack does with a timely ack. Over HTTP, failed Events API deliveries can be
 * retried like Slack does ("we'll retry three times, backing off": immediately, after 1 minute,
 * after 5 minutes), with `X-Slack-Retry-Reason` http_timeout | http_error | connection_failed.
 */
export type Transport = 'http' | 'socket';

export interface DelivererConfig {
  signingSecret: string;
  ackTimeoutMs: number;
  /** Automatic Events API retries over HTTP; off unless asked for (Slack's delays are minutes). */
  retryEvents: false | { delaysMs: readonly number[] };
  /** The bot's Request URL, e.g. http://127.0.0.1:3000/slack/events. */
  requestUrl?: string;
}

export interface SendOptions {
  /** Default: Socket Mode when an app is connected, else HTTP to the Request URL. */
  transport?: Transport;
  /** HTTP only: forge the request. */
  tamper?: Tamper;
  retryNum?: number;
  retryReason?: string;
}

const ENVELOPE: Record<DeliveryKind, EnvelopeType | undefined> = {
  slash_command: 'slash_commands',
  block_actions: 'interactive',
  view_submission: 'interactive',
  view_closed: 'interactive',
  event_callback: 'events_api',
  url_verification: undefined,
};

/** Slack reads a response only from slash commands and view submissions. */
const ACCEPTS_RESPONSE_PAYLOAD = new Set<DeliveryKind>(['slash_command', 'view_submission']);

export class Deliverer {
  private counter = 0;

  constructor(
    private readonly core: EmulatorCore,
    private readonly socket: SocketModeHub,
    readonly config: DelivererConfig,
  ) {}

  setRequestUrl(url: string): void {
    this.config.requestUrl = url;
  }

  /**
   * Send each kind where the manifest says (HTTP mode: `features.slash_commands[].url`,
   * `settings.interactivity.request_url`, `settings.event_subscriptions.request_url`), with the
   * manifest's public origin replaced by `origin` (the bot on loopback). Slack checks the events
   * URL with url_verification when it is saved; so does the emulation's `urlVerification()`.
   */
  useManifestUrls(origin: string): void {
    const { manifest } = this.core;
    const local = (url: string | undefined) => {
      if (url === undefined) return undefined;
      const parsed = new URL(url);
      return `${origin.replace(/\/$/, '')}${parsed.pathname}${parsed.search}`;
    };
    const urls: Partial<Record<DeliveryKind, string>> = {};
    const commandUrl = local(manifest.commands[0]?.url);
    const interactivity = local(manifest.interactivityUrl);
    const events = local(manifest.eventsUrl);
    if (commandUrl) urls.slash_command = commandUrl;
    if (interactivity)
      Object.assign(urls, { block_actions: interactivity, view_submission: interactivity, view_closed: interactivity });
    if (events) Object.assign(urls, { event_callback: events, url_verification: events });
    this.kindUrls = urls;
  }

  private kindUrls: Partial<Record<DeliveryKind, string>> = {};

  /** Whether a delivery could reach the app now: a Socket Mode connection, or a Request URL. */
  reachesApp(): boolean {
    return this.socket.connectionCount > 0 || Boolean(this.config.requestUrl) || Object.keys(this.kindUrls).length > 0;
  }

  private urlFor(kind: DeliveryKind): string | undefined {
    return this.kindUrls[kind] ?? this.config.requestUrl;
  }

  /** Record a new delivery (payload filled in by the caller once ids are known). */
  create(kind: DeliveryKind, payload: Json = {}): DeliveryRecord {
    this.counter += 1;
    const delivery: DeliveryRecord = {
      id: `Dv${String(this.counter).padStart(6, '0')}`,
      kind,
      transport: 'http',
      payload,
      attempts: [],
    };
    this.core.state.deliveries.push(delivery);
    return delivery;
  }

  private pickTransport(kind: DeliveryKind, wanted?: Transport): Transport {
    if (wanted) return wanted;
    if (ENVELOPE[kind] && this.socket.connectionCount > 0) return 'socket';
    if (this.urlFor(kind)) return 'http';
    throw new Error('The emulator has no way to reach the bot: set a Request URL or connect over Socket Mode');
  }

  async send(delivery: DeliveryRecord, options: SendOptions = {}): Promise<DeliveryRecord> {
    const transport = this.pickTransport(delivery.kind, options.transport);
    delivery.transport = transport;
    if (transport === 'socket') {
      const type = ENVELOPE[delivery.kind];
      if (!type) throw new Error(`${delivery.kind} is never sent over Socket Mode`);
      const before = delivery.attempts.length;
      await this.socket.deliver(delivery, type, ACCEPTS_RESPONSE_PAYLOAD.has(delivery.kind), options.retryNum ?? 0);
      const acked = delivery.attempts.slice(before).find((a) => a.outcome === 'acked');
      if (acked) applyAck(this.core, delivery, acked);
    } else {
      let attempt = await this.httpAttempt(delivery, options);
      const retries = this.config.retryEvents;
      if (delivery.kind === 'event_callback' && retries && options.retryNum === undefined) {
        for (let n = 1; n <= retries.delaysMs.length && attempt.outcome !== 'acked'; n += 1) {
          await sleep(retries.delaysMs[n - 1] ?? 0);
          attempt = await this.httpAttempt(delivery, { ...options, retryNum: n, retryReason: retryReason(attempt) });
        }
      }
    }
    this.core.state.emit({ type: 'delivery', delivery });
    return delivery;
  }

  /**
   * Send a recorded delivery again, as a Slack retry: over HTTP the same body with
   * X-Slack-Retry-Num; over Socket Mode the same envelope_id. Slack itself redelivers only Events
   * API payloads; resending a command or a click is a test's way to prove a handler acts once
   * on any duplicate (a proxy replaying, two replicas).
   */
  resend(id: string, options: SendOptions = {}): Promise<DeliveryRecord> {
    const delivery = this.core.state.delivery(id);
    if (!delivery) throw new Error(`No delivery ${id}`);
    const retryNum = options.retryNum ?? delivery.attempts.length;
    return this.send(delivery, { transport: delivery.transport, retryReason: 'http_timeout', ...options, retryNum });
  }

  private async httpAttempt(delivery: DeliveryRecord, options: SendOptions): Promise<DeliveryAttempt> {
    const url = this.urlFor(delivery.kind);
    if (!url) throw new Error("No Request URL: call setRequestUrl(url) with the bot's /slack/events URL");
    const attempt = await sendOverHttp(
      { url, signingSecret: this.config.signingSecret, ackTimeoutMs: this.config.ackTimeoutMs },
      delivery,
      {
        now: () => this.core.clock.now(),
        ...(options.tamper ? { tamper: options.tamper } : {}),
        ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
        ...(options.retryReason !== undefined ? { retryReason: options.retryReason } : {}),
      },
    );
    applyAck(this.core, delivery, attempt);
    return attempt;
  }
}

function retryReason(attempt: DeliveryAttempt): string {
  if (attempt.outcome === 'timed_out') return 'http_timeout';
  return attempt.status === undefined ? 'connection_failed' : 'http_error';
}
