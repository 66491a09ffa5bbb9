import { z } from 'zod';
import {
  BackupFileName,
  ConfigArchiveName,
  FeedName,
  PitrTarget,
  ReleaseTag,
  RestoreDirName,
  ServiceName,
  Sha256,
  TableName,
  WaitSeconds,
} from './action-fields.js';

/**
 * What running an action means for the system, whatever host runs it. Only three combinations are
 * true of anything: a read changes nothing and so can always run again; a change may or may not be
 * safe to repeat; a dangerous change (it can lose data or take the system down) never is.
 */
export type ActionTraits =
  | { mutating: false; dangerous: false; idempotent: true }
  | { mutating: true; dangerous: false; idempotent: boolean }
  | { mutating: true; dangerous: true; idempotent: false };

/** One entry of the agent's vocabulary. */
export interface ActionSpec<P extends z.ZodType = z.ZodType> {
  /** One line: what the action does on the host. */
  summary: string;
  /** Checked by the bot before sending and by the agent before running. */
  params: P;
  /**
   * `mutating`: changes the host (or, for backup.offsite, the remote store). `dangerous`: a second
   * person with the right role must approve it. `idempotent`: safe to run again after a crash left
   * its outcome unknown, so crash recovery may requeue it instead of stopping the run.
   */
  traits: ActionTraits;
  /** Params as the bot sends them (defaults left out); a test parses every one. */
  examples: readonly [z.input<P>, ...z.input<P>[]];
}

const spec = <P extends z.ZodType>(entry: ActionSpec<P>): ActionSpec<P> => entry;

const READ = { mutating: false, dangerous: false, idempotent: true } as const;

/**
 * The agent's fixed vocabulary, each action declared once. The bot picks an action and validated
 * params; the host's agent config decides what each one runs. The action list, the params map and
 * the traits (in ./actions.ts) and the agent's dispatch table are all derived from this.
 */
export const ACTIONS = {
  'service.status': spec({
    summary: "supervisor's state of every program (or one), and which ones the agent may touch",
    params: z.strictObject({ service: ServiceName.optional() }),
    traits: READ,
    examples: [{}, { service: 'trade_executor' }],
  }),
  'service.start': spec({
    summary: 'starts a stopped program and waits until it is RUNNING with a new pid',
    params: z.strictObject({ service: ServiceName, waitSeconds: WaitSeconds.default(30) }),
    // A program already RUNNING is left alone and reported as such: a second start changes nothing.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{ service: 'trade_manager' }, { service: 'btc_price_watchdog', waitSeconds: 60 }],
  }),
  'service.stop': spec({
    summary: 'stops a program and checks it has no pid',
    params: z.strictObject({ service: ServiceName }),
    // Stopping a stopped program leaves it stopped: the postcondition is the same either way.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{ service: 'auto_entry_supervisor' }],
  }),
  'service.restart': spec({
    summary: 'restarts a program and waits until it is RUNNING with a new pid',
    params: z.strictObject({ service: ServiceName, waitSeconds: WaitSeconds.default(30) }),
    // Each run kills the program again: repeated after a crash, it would bounce a trading program
    // that the first run may already have brought back.
    traits: { mutating: true, dangerous: false, idempotent: false },
    examples: [{ service: 'trade_executor' }, { service: 'kalshi_api_watchdog', waitSeconds: 90 }],
  }),
  'service.tail': spec({
    summary: "the last lines of a program's log",
    params: z.strictObject({ service: ServiceName, lines: z.number().int().min(1).max(5000).default(100) }),
    traits: READ,
    examples: [{ service: 'trade_executor' }, { service: 'trade_manager', lines: 40 }],
  }),
  'db.status': spec({
    summary: 'whether the database service is up and answers a query',
    params: z.strictObject({}),
    traits: READ,
    examples: [{}],
  }),
  'db.restart': spec({
    summary: 'restarts PostgreSQL and waits until it answers queries',
    params: z.strictObject({ waitSeconds: WaitSeconds.default(30) }),
    // Every restart drops every connection the trading programs hold: never repeated blindly.
    traits: { mutating: true, dangerous: false, idempotent: false },
    examples: [{}, { waitSeconds: 120 }],
  }),
  'db.tables': spec({
    summary: "the plan's \\dt check: which expected tables are present and which are missing",
    params: z.strictObject({ expected: z.array(TableName).max(500).optional() }),
    traits: READ,
    examples: [{}, { expected: ['trades', 'positions'] }],
  }),
  'db.freshness': spec({
    summary: "how old the newest row of a feed's table is (the host maps the feed to a table)",
    params: z.strictObject({ feed: FeedName }),
    traits: READ,
    examples: [{ feed: 'btc_price' }, { feed: 'kalshi' }],
  }),
  'backup.create': spec({
    summary: "the plan's nightly pg_dump, now: a new dump in the backups dir",
    params: z.strictObject({}),
    // A second run writes a second dump under its own name; nothing is overwritten or lost.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{}],
  }),
  'backup.list': spec({
    summary: 'the dumps in the backups dir, newest first',
    params: z.strictObject({}),
    traits: READ,
    examples: [{}],
  }),
  'db.restore': spec({
    summary: 'restores a dump (default: the newest nightly), whole or only some tables, after a safety dump',
    params: z.strictObject({
      file: BackupFileName.optional(),
      /** Only these tables (and their indexes, constraints, sequences); every other table is left as it is. */
      tables: z.array(TableName).min(1).max(100).optional(),
      /** The SHA-256 the approval was given for: a dump that no longer has it is refused. */
      sha256: Sha256.optional(),
    }),
    traits: { mutating: true, dangerous: true, idempotent: false },
    examples: [
      {},
      { file: 'db_2026-11-26.sql' },
      { file: 'pre-restore_2026-11-27_031500.sql' },
      { file: 'db_2026-11-26.sql', tables: ['trades_snapshot'], sha256: 'a'.repeat(64) },
    ],
  }),
  'db.pitr.window': spec({
    summary: 'the recoverable window of point-in-time recovery: oldest base backup .. newest archived WAL',
    params: z.strictObject({}),
    traits: READ,
    examples: [{}],
  }),
  'db.pitr.restore': spec({
    summary: 'rewinds the whole cluster to a point in time from the base backup and archived WAL (pgBackRest)',
    params: z.strictObject({
      /** UTC; refused (nothing restored) when outside the recoverable window. */
      target: PitrTarget,
      waitSeconds: z.number().int().min(10).max(3600).default(300),
    }),
    traits: { mutating: true, dangerous: true, idempotent: false },
    examples: [{ target: '2026-11-27T16:59:59Z' }, { target: '2026-11-27T16:59:59.250Z', waitSeconds: 600 }],
  }),
  'db.restore.outcome': spec({
    summary: 'whether a restore was cut off (agent killed mid pg_restore), and the state it left the database in',
    params: z.strictObject({}),
    // Reads the journal db.restore leaves while pg_restore runs, and the catalogue; clears a settled journal.
    traits: READ,
    examples: [{}],
  }),
  'db.rewind': spec({
    summary: 'what restoring a dump would rewind: per table, the rows newer than the dump, and tables missing now',
    params: z.strictObject({
      file: BackupFileName,
      /** The hash a request is bound to: a dump that no longer has it is refused. */
      sha256: Sha256.optional(),
    }),
    // Counts rows; a dump only offsite is fetched back (checked against its record) as for a restore.
    traits: READ,
    examples: [{ file: 'db_2026-11-26.sql' }, { file: 'db_2026-11-26_031500.sql', sha256: 'b'.repeat(64) }],
  }),
  'backup.prune': spec({
    summary: 'deletes nightly dumps older than keepDays (default: the host config), never the newest',
    params: z.strictObject({ keepDays: z.number().int().min(1).max(3650).optional() }),
    // Pruning what is already pruned deletes nothing more.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{}, { keepDays: 7 }],
  }),
  'backup.offsite': spec({
    summary: "copies a dump (default: the newest nightly) to the host's offsite store",
    params: z.strictObject({ file: BackupFileName.optional() }),
    // The copy lands under the dump's own name: a second copy replaces the first with the same bytes.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{}, { file: 'db_2026-11-26.sql' }],
  }),
  'backup.verify': spec({
    summary: 'loads a dump into a scratch database and compares its row counts with the live one',
    params: z.strictObject({ file: BackupFileName.optional() }),
    // The scratch database has a random name and is dropped within the request: nothing stays changed.
    traits: READ,
    examples: [{}, { file: 'db_2026-11-26_031500.sql' }],
  }),
  'config.archive': spec({
    summary: "an encrypted archive of the host's config and secrets files (the plan's §2.2), copied offsite",
    params: z.strictObject({
      /** Only when the files changed since the newest archive (the bot's change watch). */
      ifChanged: z.boolean().default(false),
    }),
    // A second run writes a second archive under its own time-stamped name.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{}, { ifChanged: true }],
  }),
  'archive.list': spec({
    summary: 'the config archives and the history archives (logs, price and snapshot exports), newest first',
    params: z.strictObject({}),
    traits: READ,
    examples: [{}],
  }),
  'config.restore': spec({
    summary: 'decrypts a config archive into a new directory for a person to compare (never over the live config)',
    params: z.strictObject({ file: ConfigArchiveName, into: RestoreDirName.optional() }),
    // A second run finds its directory already there and refuses: never repeated blindly.
    traits: { mutating: true, dangerous: false, idempotent: false },
    examples: [
      { file: 'config_2026-11-26_031500.tar.age' },
      { file: 'config_2026-11-26_031500.tar.enc', into: 'compare' },
    ],
  }),
  'history.archive': spec({
    summary: 'archives the supervisor logs and exports the price and snapshot tables (§2.3), with retention',
    params: z.strictObject({}),
    // Each run writes archives under their own time-stamped names; pruning twice prunes nothing more.
    traits: { mutating: true, dangerous: false, idempotent: true },
    examples: [{}],
  }),
  'agent.info': spec({
    summary: "this agent's version and protocol, and the services its host's admin lets it touch",
    params: z.strictObject({}),
    traits: READ,
    examples: [{}],
  }),
  'deploy.current': spec({
    summary: 'what the release repo has checked out: commit, tag and branch',
    params: z.strictObject({}),
    traits: READ,
    examples: [{}],
  }),
  'events.follow': spec({
    summary: "long poll of supervisord's process events (FATAL, BACKOFF, EXITED) after a spool offset",
    params: z.strictObject({
      after: z.number().int().min(0).nullable().default(null),
      waitSeconds: z.number().int().min(1).max(300).default(25),
    }),
    traits: READ,
    examples: [{}, { after: 1024, waitSeconds: 25 }, { after: null }],
  }),
  'deploy.tags': spec({
    summary: 'the release tags a rollback can pick from, newest first',
    params: z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
    traits: READ,
    examples: [{}, { limit: 10 }],
  }),
  'deploy.rollback': spec({
    summary: 'checks out a release tag, reinstalls requirements, restarts all and holds it to a smoke check',
    params: z.strictObject({ tag: ReleaseTag, waitSeconds: z.number().int().min(1).max(600).default(60) }),
    traits: { mutating: true, dangerous: true, idempotent: false },
    examples: [{ tag: 'v1.4.2' }, { tag: '2026.11.26', waitSeconds: 120 }],
  }),
};
