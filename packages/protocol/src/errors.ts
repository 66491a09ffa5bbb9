/**
 * Every error recio-bot raises on purpose carries one of these codes. One handler (per edge: Slack,
 * CLI, agent) turns a code into the short answer a person sees; anything without a code is wrapped
 * as `internal` with a reference id so the person can quote it and we can find the stack.
 */
export const ErrorCode = {
  /** A config file or the environment fails its schema (the bot's .env, fleet.yml, runbooks, agent.yml). */
  ConfigInvalid: 'config_invalid',
  /** The person lacks the role the request needs. */
  NotAuthorised: 'not_authorised',
  ApprovalExpired: 'approval_expired',
  /** What would run (host, action, params) is no longer what was put up for approval. */
  ApprovalMismatch: 'approval_mismatch',
  /** The approval was decided already (by someone else, or it changed while deciding). */
  ApprovalDecided: 'approval_decided',
  SelfApproval: 'self_approval',
  HostKeyMismatch: 'host_key_mismatch',
  HostUnreachable: 'host_unreachable',
  UnknownHost: 'unknown_host',
  /** A program the host's agent config does not list, or that supervisor does not have. */
  UnknownService: 'unknown_service',
  UnknownAction: 'unknown_action',
  InvalidParams: 'invalid_params',
  /** Not a request at all: the agent's account was asked to run something else. */
  InvalidRequest: 'invalid_request',
  ProtocolMismatch: 'protocol_mismatch',
  StepTimeout: 'step_timeout',
  /** A program the action ran failed, or its postcondition did not hold. */
  ActionFailed: 'action_failed',
  StoreUnavailable: 'store_unavailable',
  MigrationFailed: 'migration_failed',
  /** The host+service lock is held by another run. */
  Locked: 'locked',
  NotFound: 'not_found',
  Internal: 'internal',

  // What the agent's recovery actions answer. The bot shows the message; the code lets a runbook
  // branch (`smoke_failed` → offer the previous tag).
  /** The database service is down, or up but not answering queries (db.status). */
  DbDown: 'db_down',
  /** A feed the host's agent config does not map to a table (db.freshness). */
  UnknownFeed: 'unknown_feed',
  /** A backup file that is not there, or no backups at all. */
  BackupMissing: 'backup_missing',
  /** A dump without pg_dump's closing line: cut off, never restored or shipped. */
  BackupIncomplete: 'backup_incomplete',
  /** The action needs config the host's admin has not written (offsite remote, encryption key). */
  NotConfigured: 'not_configured',
  /** Expected tables absent from the database, or from what a dump restores. */
  TablesMissing: 'tables_missing',
  /** A rollback to a tag the release repo does not have. */
  UnknownTag: 'unknown_tag',
  /** The release repo has local changes a checkout would throw away. */
  DirtyWorktree: 'dirty_worktree',
  /** The rollback ran but the programs did not come up and stay up. */
  SmokeFailed: 'smoke_failed',
  /** A file the action must read is absent (a config file to archive). */
  FileMissing: 'file_missing',
  /** A point-in-time target the archive cannot reach (future, before the oldest base backup, after the newest WAL). */
  OutsideWindow: 'outside_window',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where an error happened, when we know it. */
export interface ErrorContext {
  runId?: string;
  stepId?: string;
  host?: string;
  [key: string]: unknown;
}

export class RecioError extends Error {
  override readonly name = 'RecioError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRecioError(error: unknown, code?: ErrorCode): error is RecioError {
  return error instanceof RecioError && (code === undefined || error.code === code);
}

/** Keeps a known error as it is; wraps anything else as `internal`, the original kept as `cause`. */
export function toRecioError(error: unknown, context: ErrorContext = {}): RecioError {
  if (error instanceof RecioError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RecioError(ErrorCode.Internal, message, context, { cause: error });
}
