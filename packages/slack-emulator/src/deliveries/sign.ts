import { createHmac } from 'node:crypto';

/**
 * Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the app's signing secret, sent
 * as `X-Slack-Signature` beside `X-Slack-Request-Timestamp` (seconds).
 */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string): string {
  const base = `v0:${timestamp}:${rawBody}`;
  return `v0=${createHmac('sha256', signingSecret).update(base).digest('hex')}`;
}

/** The two headers Slack adds to every request it sends an app. */
export function slackSignatureHeaders(
  signingSecret: string,
  timestamp: number,
  rawBody: string,
): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signSlackRequest(signingSecret, timestamp, rawBody),
  };
}
