import { z } from 'zod';

/**
 * The value shapes the actions' params are made of. Each one is anchored and can never start like
 * an option: the agent passes them to programs as argv elements.
 */

/** A supervisor program name: no spaces, no shell metacharacters, never an option. */
export const ServiceName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'expected a program name (letters, digits, _ . -)');

/** A PostgreSQL table name as `\dt` lists it. */
export const TableName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case table name');

/** How long an action waits for its postcondition (a program RUNNING, the database answering). */
export const WaitSeconds = z.number().int().min(1).max(600);

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

/** A feed the host's agent config maps to a table and a timestamp column (btc_price, kalshi_markets). */
export const FeedName = z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'expected a feed name like btc_price');

/** A file's SHA-256, as sha256sum prints it: what an approval binds a restore to. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 (64 lower-case hex digits)');

/**
 * An encrypted config-and-secrets archive (§2.2) in configBackup.dir: `config_<date>_<time>.tar.age`
 * (or `.tar.enc` with openssl). Anchored: no `/`, no `..`, never an option.
 */
export const CONFIG_ARCHIVE = /^config_\d{4}-\d{2}-\d{2}_\d{6}\.tar\.(?:age|enc)$/;
export const ConfigArchiveName = z
  .string()
  .max(64)
  .regex(CONFIG_ARCHIVE, 'expected a config archive name (config_YYYY-MM-DD_HHMMSS.tar.age or .tar.enc)');

/**
 * A history archive (§2.3) in history.dir: the supervisor logs (`logs_<stamp>.tar.gz`) or one
 * table's export (`<table>_<stamp>.dump`, pg_dump's compressed custom format).
 */
export const HISTORY_ARCHIVE =
  /^(?:logs_\d{4}-\d{2}-\d{2}_\d{6}\.tar\.gz|[a-z_][a-z0-9_]{0,62}_\d{4}-\d{2}-\d{2}_\d{6}\.dump)$/;

/**
 * The directory a config archive is restored into: one new directory under configBackup.restoreDir,
 * named by a single path element (no `/`, no `..`, not hidden, never an option).
 */
export const RestoreDirName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a directory name (letters, digits, _ . -), not a path')
  .refine((name) => !name.includes('..'), 'no .. in a directory name');
