import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackFake } from '../support/slack-fake.js';

/** A real @slack/web-api client pointed at the fake, logging nothing. */
export const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => 'error' as never,
  setName: () => {},
};

export function botClient(fake: SlackFake, options: WebClientOptions = {}): WebClient {
  return new WebClient(fake.tokens.bot, {
    slackApiUrl: fake.apiUrl,
    logger: silentLogger,
    retryConfig: { retries: 0 },
    ...options,
  });
}

/** The `data` of a failed Web API call (WebAPIPlatformError), or a failure if it succeeded. */
export async function slackError(
  call: Promise<unknown>,
): Promise<{ error: string; response_metadata?: { messages?: string[] } }> {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { error: string } }).data;
    if (data) return data;
    throw error;
  }
  throw new Error('expected the call to fail');
}
