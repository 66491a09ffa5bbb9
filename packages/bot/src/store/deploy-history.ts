import type { JsonObject } from '../domain/json.js';
import type { Db } from './db.js';

/** What an app host has checked out in its release repo. */
export interface DeployHead {
  commit: string;
  tag: string | null;
}

/** What the release watch needs to judge failures on a host, read from the history. */
export interface DeployState {
  head: DeployHead;
  /** When the monitor first saw this head replace another one; null for the first head seen on the host. */
  changedAt: Date | null;
  /**
   * The tag to roll back to: the newest earlier head (another commit, tagged) every program ran
   * with; failing that, the tag of the head this one replaced.
   */
  lastGoodTag: string | null;
}

export interface DeployHistoryRepo {
  /**
   * Records the head seen on `host` at `at` (a new row only when it differs from the newest one),
   * marks it good when every program runs with it, and returns the host's state. Race-free: two
   * replicas seeing the same change record it once.
   */
  observe(host: string, head: DeployHead, allRunning: boolean, at: Date): Promise<DeployState>;
  /** The release fault reported on the host and not yet seen recovered. */
  openFault(host: string): Promise<JsonObject | undefined>;
  /** Records a reported release fault; the one already open wins (it is returned). */
  recordFault(host: string, failure: JsonObject): Promise<JsonObject>;
  /** Closes the host's open release fault, returning it (undefined when none was open). */
  closeFault(host: string): Promise<JsonObject | undefined>;
}

interface HistoryRow {
  id: string;
  commit: string;
  tag: string | null;
  seen_at: Date;
  good_at: Date | null;
  after_id: string | null;
}

export function createDeployHistoryRepo(db: Db): DeployHistoryRepo {
  const newest = async (tx: Db, host: string): Promise<HistoryRow | undefined> =>
    (
      await tx.query<HistoryRow>(
        `SELECT id, commit, tag, seen_at, good_at, after_id FROM deploy_history
          WHERE host = $1 ORDER BY id DESC LIMIT 1`,
        [host],
      )
    )[0];

  return {
    async observe(host, head, allRunning, at) {
      return db.transaction(async (tx) => {
        let row = await newest(tx, host);
        if (row === undefined || row.commit !== head.commit) {
          const [inserted] = await tx.query<HistoryRow>(
            `INSERT INTO deploy_history (host, commit, tag, seen_at, after_id) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING RETURNING id, commit, tag, seen_at, good_at, after_id`,
            [host, head.commit, head.tag, at, row?.id ?? null],
          );
          // Another replica recorded the same change first: its row is the newest.
          row = inserted ?? (await newest(tx, host))!;
        } else if (head.tag !== null && row.tag !== head.tag) {
          // A tag put on the checked-out commit after it was first seen.
          await tx.query('UPDATE deploy_history SET tag = $2 WHERE id = $1', [row.id, head.tag]);
          row = { ...row, tag: head.tag };
        }
        if (allRunning && row.good_at === null) {
          await tx.query('UPDATE deploy_history SET good_at = $2 WHERE id = $1 AND good_at IS NULL', [row.id, at]);
          row = { ...row, good_at: at };
        }
        const [good] = await tx.query<{ tag: string }>(
          `SELECT tag FROM deploy_history WHERE host = $1 AND id < $2 AND good_at IS NOT NULL
             AND tag IS NOT NULL AND commit <> $3 ORDER BY id DESC LIMIT 1`,
          [host, row.id, row.commit],
        );
        const [previous] =
          row.after_id === null
            ? []
            : await tx.query<{ tag: string | null }>('SELECT tag FROM deploy_history WHERE id = $1', [row.after_id]);
        return {
          head: { commit: row.commit, tag: row.tag },
          changedAt: row.after_id === null ? null : row.seen_at,
          lastGoodTag: good?.tag ?? previous?.tag ?? null,
        };
      });
    },

    async openFault(host) {
      const [row] = await db.query<{ failure: JsonObject }>('SELECT failure FROM release_faults WHERE host = $1', [
        host,
      ]);
      return row?.failure;
    },

    async recordFault(host, failure) {
      await db.query(
        'INSERT INTO release_faults (host, failure) VALUES ($1, $2::jsonb) ON CONFLICT (host) DO NOTHING',
        [host, JSON.stringify(failure)],
      );
      const [row] = await db.query<{ failure: JsonObject }>('SELECT failure FROM release_faults WHERE host = $1', [
        host,
      ]);
      return row!.failure;
    },

    async closeFault(host) {
      const [row] = await db.query<{ failure: JsonObject }>(
        'DELETE FROM release_faults WHERE host = $1 RETURNING failure',
        [host],
      );
      return row?.failure;
    },
  };
}
