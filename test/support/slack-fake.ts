import { startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from '@recio/slack-emulator/index';

/**
 * The Slack fake for tests: the emulation from src/emulator on a random loopback port. Close it
 * in `finally` / `afterEach` (or use `withSlackFake`), so a failing test leaves no server behind.
 */
export type SlackFake = SlackEmulator;

export function startSlackFake(options: SlackEmulatorOptions = {}): Promise<SlackFake> {
  return startSlackEmulator(options);
}

export async function withSlackFake<T>(
  options: SlackEmulatorOptions,
  run: (fake: SlackFake) => Promise<T>,
): Promise<T> {
  const fake = await startSlackFake(options);
  try {
    return await run(fake);
  } finally {
    await fake.close();
  }
}

/**
 * Options for `new WebClient(fake.tokens.bot, …)`: the fake's API URL and quiet logs. Retries stay
 * the client's own business (pass `retryConfig` to shorten them).
 */
export function webClientOptionsFor(fake: SlackFake): { slackApiUrl: string } {
  return { slackApiUrl: fake.apiUrl };
}
