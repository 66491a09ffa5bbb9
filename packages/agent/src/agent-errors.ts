/**
 * Error codes the agent's recovery actions return, beside the shared ones in src/errors.ts. The
 * bot shows the message; the code lets a runbook branch (`smoke_failed` → offer the previous tag).
 */
export const AgentErrorCode = {
  /** A backup file that is not there, or no backups at all. */
  BackupMissing: 'backup_missing',
  /** A dump without pg_dump's closing line: cut off, never restored or shipped. */
  BackupIncomplete: 'backup_incomplete',
  /** The action needs config the host's admin has not written (offsite remote, encryption key). */
  NotConfigured: 'not_configured',
  TablesMissing: 'tables_missing',
  UnknownTag: 'unknown_tag',
  DirtyWorktree: 'dirty_worktree',
  /** The rollback ran but the programs did not come up and stay up. */
  SmokeFailed: 'smoke_failed',
  /** A file the action must read is absent (a config file to archive). */
  FileMissing: 'file_missing',
} as const;
