import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../observability/logger.js';
import { slackLoggerFrom } from './slack-logger.js';

/** Where the bot reaches Slack and as whom: the Slack part of the config. */
export interface SlackSettings {
  botToken: string;
  /** Needed for the HTTP receiver; Socket Mode does without. */
  signingSecret?: string | undefined;
  /** With it, the bot connects over Socket Mode instead of listening for HTTP. */
  appToken?: string | undefined;
  /** Web API base (`SLACK_API_URL`): the emulator in tests and in the local console. */
  apiUrl?: string | undefined;
  /** The HTTP port (`PORT`): /slack/events, /healthz and extra routes (in Socket Mode: /healthz only). */
  port: number;
  /** Interface to listen on (default: all, as Slack must reach it; tests use 127.0.0.1). */
  host?: string | undefined;
}

/**
 * @slack/web-api's defaults are no request timeout and ten retries over about thirty minutes: a
 * call to a hanging Slack would hold a handler (or the publisher) for half an hour. These are
 * bounded: 10 s per request, a few quick retries, and a 429 waited out (the client pauses for
 * Retry-After and tries again), so a rate-limited message still arrives.
 */
export function webClientOptions(settings: Pick<SlackSettings, 'apiUrl'>, logger?: Logger): WebClientOptions {
  return {
    ...(settings.apiUrl
      ? { slackApiUrl: settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/` }
      : {}),
    timeout: 10_000,
    retryConfig: { retries: 4, factor: 1.6, minTimeout: 250, maxTimeout: 2_000 },
    rejectRateLimitedCalls: false,
    ...(logger ? { logger: slackLoggerFrom(logger, 'slack-web-api') } : {}),
  };
}

/** A client of its own (the publisher's, the group lookups'): a 429 pauses only that client's queue. */
export function createSlackWebClient(settings: Pick<SlackSettings, 'botToken' | 'apiUrl'>, logger?: Logger): WebClient {
  return new WebClient(settings.botToken, webClientOptions(settings, logger));
}

export type { WebClient };
