import { performance } from 'node:perf_hooks';
import type { DeliveryAttempt, DeliveryRecord, Json } from '../records.js';
import { slackSignatureHeaders } from './sign.js';

/**
 * Sending a delivery to the bot's Request URL the way Slack does: slash commands form-encoded,
 * interactions as a form field `payload=<json>`, Events API bodies as JSON; every request signed;
 * retries marked with `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`. Slack waits 3 s for the ack:
 * an answer later than that counts as a timeout (and Slack ignores what it said).
 */
export interface HttpTarget {
  url: string;
  signingSecret: string;
  ackTimeoutMs: number;
  /** Epoch seconds for X-Slack-Request-Timestamp — the bot checks it against its own clock. */
  nowSeconds?: () => number;
}

/** Ways to make a request Slack would never send, for testing the bot's verification. */
export interface Tamper {
  /** Send this X-Slack-Signature instead of the right one. */
  signature?: string;
  /** Sign (correctly) with a timestamp this many seconds off now: ±360 is 6 minutes. */
  timestampSkewSeconds?: number;
  /** Change the body after it was signed (e.g. flip one byte). */
  alterBody?: (body: string) => string;
  /** Leave out both signature headers. */
  unsigned?: boolean;
}

export interface SendOptions {
  retryNum?: number;
  retryReason?: string;
  tamper?: Tamper;
  now: () => number;
}

/** How Slack encodes each kind of delivery on the wire. */
export function encodeBody(kind: DeliveryRecord['kind'], payload: Json): { body: string; contentType: string } {
  if (kind === 'slash_command') {
    return {
      body: new URLSearchParams(payload as Record<string, string>).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
  if (kind === 'block_actions' || kind === 'view_submission' || kind === 'view_closed') {
    return {
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
  return { body: JSON.stringify(payload), contentType: 'application/json' };
}

/** Flip one character of a body — the smallest tampering a signature must catch. */
export function changeOneByte(body: string, index = Math.floor(body.length / 2)): string {
  const code = body.charCodeAt(index);
  const replacement = String.fromCharCode(code === 0x61 ? 0x62 : 0x61);
  return body.slice(0, index) + replacement + body.slice(index + 1);
}

const HARD_CAP_MS = 30_000;

export async function sendOverHttp(
  target: HttpTarget,
  delivery: DeliveryRecord,
  options: SendOptions,
): Promise<DeliveryAttempt> {
  const encoded = encodeBody(delivery.kind, delivery.payload);
  const rawBody = delivery.rawBody ?? encoded.body;
  delivery.rawBody = rawBody;
  const tamper = options.tamper ?? {};
  const nowSeconds = target.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const timestamp = nowSeconds() + (tamper.timestampSkewSeconds ?? 0);
  const headers: Record<string, string> = {
    'content-type': encoded.contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...(tamper.unsigned ? {} : slackSignatureHeaders(target.signingSecret, timestamp, rawBody)),
  };
  if (tamper.signature !== undefined) headers['x-slack-signature'] = tamper.signature;
  const retryNum = options.retryNum ?? 0;
  if (retryNum > 0) {
    headers['x-slack-retry-num'] = String(retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  const attempt: DeliveryAttempt = {
    retryNum,
    ...(retryNum > 0 ? { retryReason: options.retryReason ?? 'http_timeout' } : {}),
    startedAt: options.now(),
    outcome: 'pending',
  };
  delivery.attempts.push(attempt);
  const started = performance.now();
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers,
      body: tamper.alterBody ? tamper.alterBody(rawBody) : rawBody,
      signal: AbortSignal.timeout(Math.max(HARD_CAP_MS, target.ackTimeoutMs * 2)),
      redirect: 'manual',
    });
    attempt.responseBody = await response.text();
    attempt.status = response.status;
    attempt.ackMs = performance.now() - started;
    if (attempt.ackMs > target.ackTimeoutMs) attempt.outcome = 'timed_out';
    else if (response.status >= 200 && response.status < 300) attempt.outcome = 'acked';
    else attempt.outcome = response.status === 401 || response.status === 403 ? 'rejected' : 'failed';
  } catch (error) {
    attempt.ackMs = performance.now() - started;
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    attempt.outcome = timedOut ? 'timed_out' : 'failed';
    attempt.error = error instanceof Error ? error.message : String(error);
  }
  return attempt;
}
