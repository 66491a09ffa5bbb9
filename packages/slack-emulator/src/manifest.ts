import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * The parts of an app manifest (docs.slack.dev/reference/app-manifest) that decide what Slack
 * lets the app do and send it: the bot scopes it was granted, the events it subscribed to, its
 * slash commands (and whether Slack escapes their text), and where deliveries go.
 */
export interface SlashCommandSpec {
  command: string;
  /** "Escape channels, users, and links sent to your app" (manifest `should_escape`, default false). */
  shouldEscape: boolean;
  /** HTTP mode: the command's Request URL. */
  url?: string;
}

export interface AppManifest {
  botScopes: readonly string[];
  botEvents: readonly string[];
  commands: readonly SlashCommandSpec[];
  socketMode: boolean;
  interactivityUrl?: string;
  eventsUrl?: string;
}

/**
 * Without a manifest the emulation grants every scope its methods need and subscribes to the
 * events recio-bot uses; tests of the bot pass the repository's manifest.yml instead, so a call
 * the manifest does not cover fails there as it would in Slack.
 */
export const PERMISSIVE_MANIFEST: AppManifest = {
  botScopes: [
    'app_mentions:read',
    'channels:history',
    'channels:read',
    'chat:write',
    'commands',
    'files:write',
    'groups:history',
    'groups:read',
    'im:history',
    'im:read',
    'mpim:history',
    'mpim:read',
    'reactions:write',
    'usergroups:read',
    'users:read',
  ],
  botEvents: ['app_mention', 'app_home_opened'],
  commands: [{ command: '/recio', shouldEscape: false }],
  socketMode: true,
};

type Raw = Record<string, unknown>;
const obj = (value: unknown): Raw => (typeof value === 'object' && value !== null ? (value as Raw) : {});
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A manifest as YAML or JSON text (Slack's own "From an app manifest" accepts both). */
export function parseManifest(text: string): AppManifest {
  const raw = obj(parseYaml(text));
  const settings = obj(raw.settings);
  const events = obj(settings.event_subscriptions);
  const interactivity = obj(settings.interactivity);
  const commands = Array.isArray(obj(raw.features).slash_commands)
    ? (obj(raw.features).slash_commands as unknown[])
    : [];
  const eventsUrl = str(events.request_url);
  const interactivityUrl = str(interactivity.request_url);
  return {
    botScopes: strings(obj(obj(raw.oauth_config).scopes).bot),
    botEvents: strings(events.bot_events),
    commands: commands.map((c) => {
      const url = str(obj(c).url);
      return { command: String(obj(c).command), shouldEscape: obj(c).should_escape === true, ...(url ? { url } : {}) };
    }),
    socketMode: settings.socket_mode_enabled === true,
    ...(eventsUrl ? { eventsUrl } : {}),
    ...(interactivityUrl ? { interactivityUrl } : {}),
  };
}

export function readManifest(path: string): AppManifest {
  return parseManifest(readFileSync(path, 'utf8'));
}
