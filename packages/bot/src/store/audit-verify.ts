import { auditHash, GENESIS_HASH, toAuditEntry, type AuditRow } from './audit.js';
import type { Db } from './db.js';

/** The verdict on the audit chain. */
export type AuditVerdict =
  | { ok: true; checked: number; headId: number | null; headHash: string }
  | {
      ok: false;
      checked: number;
      /** The first row that does not hold: an edited row, or the row after a removed one. */
      brokenId: number;
      reason: 'hash_mismatch' | 'prev_hash_mismatch';
      message: string;
    };

const BATCH = 1_000;

/**
 * Walks the whole chain in id order, recomputing every hash. The trigger stops the bot (and
 * anyone without the rights to disable it) from changing rows; this catches the rest. Someone
 * able to rewrite every row after the one they edit would go unseen, which is why the head hash
 * is printed: kept elsewhere, it pins the chain.
 */
export async function verifyChain(db: Db): Promise<AuditVerdict> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let headId: number | null = null;
  let checked = 0;
  for (;;) {
    const rows = await db.query<AuditRow>('SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2', [
      lastId,
      BATCH,
    ]);
    for (const row of rows) {
      const entry = toAuditEntry(row);
      if (entry.prevHash !== prevHash) {
        return {
          ok: false,
          checked,
          brokenId: entry.id,
          reason: 'prev_hash_mismatch',
          message: `audit row ${entry.id} does not follow ${headId === null ? 'the start of the chain' : `row ${headId}`}: a row before it was removed or rewritten`,
        };
      }
      if (auditHash(prevHash, entry) !== entry.hash) {
        return {
          ok: false,
          checked,
          brokenId: entry.id,
          reason: 'hash_mismatch',
          message: `audit row ${entry.id} was changed after it was written`,
        };
      }
      prevHash = entry.hash;
      headId = entry.id;
      lastId = entry.id;
      checked++;
    }
    if (rows.length < BATCH) return { ok: true, checked, headId, headHash: prevHash };
  }
}
