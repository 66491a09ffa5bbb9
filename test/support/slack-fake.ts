import { resolve } from 'node:path';
import {
  readManifest,
  startSlackEmulator,
  type SlackEmulator,
  type SlackEmulatorOptions,
} from '@recio/slack-emulator/index';

/**
 * The Slack fake for tests: the emulation from packages/slack-emulator on a random loopback port,
 * as the app the repository's manifest.yml describes (its scopes, events and commands), unless a
 * test passes another manifest. Close it in `finally` / `afterEach` (or use `withSlackFake`), so a
 * failing test leaves no server behind.
 *
 * Closing fails the test when the bot sent something Slack accepts and nobody ever sees (an
 * ephemeral into a thread that is not active, a reply to a ts that names no message): Slack says
 * ok to those, so only the fake can notice. `allowUnseen` is for tests of that rule itself.
 */
export type SlackFake = SlackEmulator;

export interface SlackFakeOptions extends SlackEmulatorOptions {
  allowUnseen?: boolean;
}

export const REPO_MANIFEST = resolve(import.meta.dirname, '../../manifest.yml');

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const { allowUnseen, ...emulatorOptions } = options;
  const fake = await startSlackEmulator({ manifest: readManifest(REPO_MANIFEST), ...emulatorOptions });
  if (allowUnseen) return fake;
  const close = fake.close.bind(fake);
  return Object.assign(fake, {
    async close() {
      await close();
      const unseen = fake.state.unseen();
      if (unseen.length > 0) {
        const list = unseen.map((m) => `${m.channel} ${m.ts}: ${m.unseen} — "${m.text.slice(0, 80)}"`);
        throw new Error(`Slack would show nobody ${unseen.length} message(s) the bot sent:\n  ${list.join('\n  ')}`);
      }
    },
  });
}

export async function withSlackFake<T>(options: SlackFakeOptions, run: (fake: SlackFake) => Promise<T>): Promise<T> {
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
