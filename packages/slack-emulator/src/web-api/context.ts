import type { Clock } from '../clock.js';
import type { ParsedRequest } from '../http/read-request.js';
import type { IdSource } from '../ids.js';
import type { Tier } from '../limits.js';
import type { ResponseUrls } from '../interactive/response-urls.js';
import type { Triggers } from '../interactive/triggers.js';
import type { AppManifest } from '../manifest.js';
import type { Json } from '../records.js';
import type { EmulatorState } from '../state.js';
import type { Workspace } from '../workspace.js';

/** An `{ok:false, error}` answer. `extra` lands beside `error` (e.g. response_metadata, needed). */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Json = {},
  ) {
    super(code);
    this.name = 'SlackApiError';
  }
}

/** What every part of the emulation shares. */
export interface EmulatorCore {
  readonly workspace: Workspace;
  readonly state: EmulatorState;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly triggers: Triggers;
  readonly responseUrls: ResponseUrls;
  readonly tokens: { bot: string; app: string };
  /** What the app was granted and subscribed to (its scopes, events and commands). */
  readonly manifest: AppManifest;
  /** How long a method takes to answer (see SlackEmulatorOptions.methodLatencyMs). */
  readonly latencyMs: Readonly<Record<string, number>>;
  /** "http://127.0.0.1:<port>" once listening. */
  baseUrl(): string;
}

export interface MethodContext {
  core: EmulatorCore;
  args: Json;
  files: ParsedRequest['files'];
}

export interface MethodSpec {
  /** Rate-limit tier (https://api.slack.com/docs/rate-limits); chat.postMessage adds a per-channel bucket. */
  tier: Tier;
  /** Which token the method takes: bot (xoxb-) or app-level (xapp-, only apps.connections.open). */
  token: 'bot' | 'app';
  handler: (ctx: MethodContext) => Json | Promise<Json>;
}

export type MethodTable = Record<string, MethodSpec>;

/** A required string argument; Slack answers a missing one with the method's own error code. */
export function required(args: Json, key: string, error: string): string {
  const v = args[key];
  if (v === undefined || v === null || v === '') throw new SlackApiError(error);
  return typeof v === 'string' ? v : String(v);
}
