import { z } from 'zod';

/**
 * The agent's fixed vocabulary. The bot picks an action and validated params; the host's agent
 * config decides what each one runs. The same schemas are checked on both sides of the wire.
 */

/** A supervisor program name: no spaces, no shell metacharacters, never an option. */
export const ServiceName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'expected a program name (letters, digits, _ . -)');

/** A PostgreSQL table name as `\dt` lists it. */
export const TableName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case table name');

const waitSeconds = z.number().int().min(1).max(600).default(30);

/**
 * A dump in the backups dir: the plan's nightly `db_YYYY-MM-DD.sql` (a second one the same day
 * gets `_HHMMSS`), or a safety dump `pre-restore_YYYY-MM-DD_HHMMSS.sql` that db.restore took, so a
 * restore can be undone. The pattern is anchored: no `/`, no `..`, never an option.
 */
export const NIGHTLY_DUMP = /^db_\d{4}-\d{2}-\d{2}(?:_\d{6})?\.sql$/;
export const SAFETY_DUMP = /^pre-restore_\d{4}-\d{2}-\d{2}_\d{6}\.sql$/;
export const BackupFileName = z
  .string()
  .max(64)
  .refine(
    (name) => NIGHTLY_DUMP.test(name) || SAFETY_DUMP.test(name),
    'expected a backup file name (db_YYYY-MM-DD[_HHMMSS].sql or pre-restore_YYYY-MM-DD_HHMMSS.sql)',
  );

/**
 * A release tag. It starts with a letter or digit (so git can never read it as an option) and keeps
 * to git's ref rules; the agent still checks it against the repo's real tags before anything runs.
 */
export const ReleaseTag = z
  .string()
  .regex(
    /^v?[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/,
    'expected a release tag (letters, digits, . _ -, not starting with - or .)',
  )
  .refine((tag) => !tag.includes('..') && !tag.endsWith('.') && !tag.endsWith('.lock'), 'not a valid git tag name');

export const ActionParams = {
  'service.status': z.strictObject({ service: ServiceName.optional() }),
  'service.start': z.strictObject({ service: ServiceName, waitSeconds }),
  'service.stop': z.strictObject({ service: ServiceName }),
  'service.restart': z.strictObject({ service: ServiceName, waitSeconds }),
  'service.tail': z.strictObject({ service: ServiceName, lines: z.number().int().min(1).max(5000).default(100) }),
  'db.status': z.strictObject({}),
  'db.restart': z.strictObject({ waitSeconds }),
  'db.tables': z.strictObject({ expected: z.array(TableName).max(500).optional() }),
  /** How old the newest row of a feed is (the BTC price log, the Kalshi snapshots): the host maps the name to a table. */
  'db.freshness': z.strictObject({
    feed: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'expected a feed name like btc_price'),
  }),
  'backup.create': z.strictObject({}),
  'backup.list': z.strictObject({}),
  /** Restores a dump (default: the newest nightly) after a safety dump. Dangerous. */
  'db.restore': z.strictObject({ file: BackupFileName.optional() }),
  /** Deletes nightly dumps older than keepDays (default: the host's config), never the newest. */
  'backup.prune': z.strictObject({ keepDays: z.number().int().min(1).max(3650).optional() }),
  'backup.offsite': z.strictObject({ file: BackupFileName.optional() }),
  /** Loads a dump into a scratch database and compares row counts with the live one. */
  'backup.verify': z.strictObject({ file: BackupFileName.optional() }),
  /** An encrypted archive of the host's config and secrets files (the plan's §2.2). */
  'config.archive': z.strictObject({}),
  /** What this agent is: its version, protocol, and the services its host's admin lets it touch. */
  'agent.info': z.strictObject({}),
  'deploy.current': z.strictObject({}),
  /** Long poll of supervisord's process events (FATAL, BACKOFF, EXITED) after a spool offset; each event is an output line. */
  'events.follow': z.strictObject({
    after: z.number().int().min(0).nullable().default(null),
    waitSeconds: z.number().int().min(1).max(300).default(25),
  }),
  'deploy.tags': z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
  /** Checks out a release tag, reinstalls requirements, restarts all, and holds it to a smoke check. Dangerous. */
  'deploy.rollback': z.strictObject({ tag: ReleaseTag, waitSeconds: z.number().int().min(1).max(600).default(60) }),
} as const;

export type ActionName = keyof typeof ActionParams;
export const ACTION_NAMES = Object.keys(ActionParams) as ActionName[];
export type ActionParamsOf<A extends ActionName> = z.infer<(typeof ActionParams)[A]>;
export type ActionInputOf<A extends ActionName> = z.input<(typeof ActionParams)[A]>;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ActionParams, name);
}

/**
 * Actions that change a host (or, for backup.offsite, the remote store). Read-only ones may be
 * retried freely; these never are, silently. backup.verify is not here: its scratch database is
 * created and dropped within the request, so running it twice changes nothing.
 */
export const MUTATING_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>([
  'service.start',
  'service.stop',
  'service.restart',
  'db.restart',
  'db.restore',
  'backup.create',
  'backup.prune',
  'backup.offsite',
  'config.archive',
  'deploy.rollback',
]);

/**
 * Actions that can lose data or take the system down if run by mistake: the bot asks a second
 * person with the right role to approve them. Every one of them is also mutating.
 */
export const DANGEROUS_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>(['db.restore', 'deploy.rollback']);
