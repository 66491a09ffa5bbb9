import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { defaultConsoleSeed, roleMembersOf, startConsole, workspaceSeedOf } from './index.js';
import { startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';

/** Where `recio sandbox up` leaves the env that points the bot at the sandbox REC.IO. */
export const SANDBOX_ENV = '.sandbox/recio.env';

export interface ConsoleMode {
  emulator: SlackEmulator;
  url: string;
  /** Environment for the bot: the emulator as Slack, the console's people as role holders, the sandbox if there is one. */
  env: Record<string, string | undefined>;
  label: string;
  close(): Promise<void>;
}

/**
 * `npm start` without Slack tokens: the same bot against the local console — a Slack emulation
 * served on 127.0.0.1 only — with the embedded store, and the sandbox REC.IO when it has been set
 * up (`recio sandbox up`), else this host.
 */
export async function startConsoleMode(env: Record<string, string | undefined>): Promise<ConsoleMode> {
  const sandboxEnv =
    !env.RECIO_FLEET && existsSync(resolve(SANDBOX_ENV)) ? parseDotenv(readFileSync(resolve(SANDBOX_ENV))) : {};
  const seed = defaultConsoleSeed;
  const port = Number(env.PORT || 3000);
  const emulator = await startSlackEmulator({ port, host: '127.0.0.1', workspace: workspaceSeedOf(seed) });
  const roles = roleMembersOf(seed);
  const hosts = sandboxEnv.RECIO_FLEET
    ? `sandbox (${SANDBOX_ENV})`
    : env.RECIO_FLEET
      ? 'fleet file'
      : 'this host (local)';
  const label = `Local console — no Slack workspace; store: ${env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}; hosts: ${hosts}`;
  const page = await startConsole({ emulator, seed, mode: { label } });
  return {
    emulator,
    url: page.url,
    label,
    env: {
      ...sandboxEnv,
      ...env,
      SLACK_BOT_TOKEN: emulator.tokens.bot,
      SLACK_APP_TOKEN: emulator.tokens.app,
      SLACK_API_URL: emulator.apiUrl,
      // The bot's own routes (/healthz, /metrics) on the next port, loopback only.
      PORT: String(port + 1),
      RECIO_OPS_CHANNEL: env.RECIO_OPS_CHANNEL || seed.channels[0]!.id,
      RECIO_LEAD_OPERATORS: env.RECIO_LEAD_OPERATORS || (roles.lead_operator ?? []).join(','),
      RECIO_SYSTEM_ARCHITECTS: env.RECIO_SYSTEM_ARCHITECTS || (roles.system_architect ?? []).join(','),
      RECIO_SECURITY_OFFICERS: env.RECIO_SECURITY_OFFICERS || (roles.security_officer ?? []).join(','),
    },
    async close() {
      await page.close();
      await emulator.close();
    },
  };
}
