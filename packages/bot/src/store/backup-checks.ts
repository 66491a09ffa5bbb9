import type { Db } from './db.js';

/** The scheduled backup jobs whose latest result is kept per host. */
export type BackupJob = 'restore-test' | 'config-archive' | 'history-archive';

export interface BackupCheck {
  job: BackupJob;
  host: string;
  ok: boolean;
  /** The dump or archive concerned, when there is one. */
  subject: string | null;
  detail: string;
  at: Date;
  /** When this job last passed on this host (null: never). */
  lastOk: Date | null;
}

/** One row per job and host, overwritten by each run (the unique key): the latest result, not a history. */
export interface BackupChecksRepo {
  record(check: { job: BackupJob; host: string; ok: boolean; subject?: string; detail: string }): Promise<void>;
  list(job?: BackupJob): Promise<BackupCheck[]>;
}

/** A backup_checks row: the same fields, `lastOk` under its column's name. */
type Row = Omit<BackupCheck, 'lastOk'> & { last_ok: Date | null };

export function createBackupChecksRepo(db: Db): BackupChecksRepo {
  return {
    async record({ job, host, ok, subject, detail }) {
      await db.query(
        `INSERT INTO backup_checks (job, host, ok, subject, detail, at, last_ok)
         VALUES ($1, $2, $3, $4, $5, now(), CASE WHEN $3 THEN now() END)
         ON CONFLICT (job, host) DO UPDATE SET ok = EXCLUDED.ok, subject = EXCLUDED.subject,
           detail = EXCLUDED.detail, at = EXCLUDED.at,
           last_ok = CASE WHEN EXCLUDED.ok THEN EXCLUDED.at ELSE backup_checks.last_ok END`,
        [job, host, ok, subject ?? null, detail],
      );
    },
    async list(job) {
      const rows = await db.query<Row>(
        `SELECT job, host, ok, subject, detail, at, last_ok FROM backup_checks
         WHERE $1::text IS NULL OR job = $1 ORDER BY job, host`,
        [job ?? null],
      );
      return rows.map(({ last_ok, ...r }) => ({ ...r, lastOk: last_ok }));
    },
  };
}
