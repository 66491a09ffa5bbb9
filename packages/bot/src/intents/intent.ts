/**
 * What a person asked for, in typed form: the result of parsing `/recio …`, an `@recio …` mention,
 * a button or a CLI command. Everything past the edge speaks intents, never Slack payloads.
 */
export type Intent =
  | { kind: 'help'; topic?: string }
  | { kind: 'status'; host?: string }
  | { kind: 'restart' | 'start' | 'stop'; service: string; host?: string }
  | { kind: 'tail'; service: string; lines: number; host?: string }
  | { kind: 'run'; scenario: string; dryRun: boolean; value?: string }
  | { kind: 'rollback'; tag?: string }
  /** Without a file: which dumps there are to pick from. With one: ask to restore it (or only `tables`). */
  | { kind: 'restore'; file?: string; tables?: string[] }
  | { kind: 'checklist' }
  | { kind: 'incident_open'; title: string; security: boolean }
  | { kind: 'incident_close'; reason?: string }
  | { kind: 'report'; incidentId?: string }
  | { kind: 'backup_now' }
  | { kind: 'backup_list' }
  /** §2.2 now: the config-and-secrets archive on every app host. */
  | { kind: 'backup_config' }
  /** §2.3 now: the logs and the price and snapshot exports. */
  | { kind: 'backup_history' }
  /** A config archive decrypted into a new directory on the host, for a person to compare. */
  | { kind: 'backup_restore'; file: string; into?: string; host?: string }
  | { kind: 'drill'; scenario: string };

export type IntentKind = Intent['kind'];

/** The words the parser checks names against, and offers when a word is close to one. */
export interface Vocabulary {
  services: readonly string[];
  hosts: readonly string[];
  scenarios: readonly string[];
}

export type ParseResult = { ok: true; intent: Intent } | { ok: false; message: string };

/** Kinds that change something on a host, as opposed to reading. */
export const MUTATING_INTENTS: ReadonlySet<IntentKind> = new Set<IntentKind>([
  'restart',
  'start',
  'stop',
  'run',
  'rollback',
  'restore',
  'incident_open',
  'incident_close',
  'backup_now',
  'backup_config',
  'backup_history',
  'backup_restore',
  'drill',
]);
