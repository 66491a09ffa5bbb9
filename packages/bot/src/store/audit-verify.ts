import type { AuditAnchor } from './audit-anchors.js';
import { auditHash, GENESIS_HASH, toAuditEntry, type AuditRow } from './audit.js';
import type { Db } from './db.js';

/** The verdict on the audit chain. */
export type AuditVerdict =
  | { ok: true; checked: number; headId: number | null; headHash: string; anchorsChecked: number }
  | {
      ok: false;
      checked: number;
      /** The first row that does not hold: an edited row, the row after a removed one, or an anchored one. */
      brokenId: number;
      reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'tail_missing' | 'anchor_mismatch';
      message: string;
    };

const BATCH = 1_000;

/**
 * Walks the whole chain in id order, recomputing every hash. The trigger stops the bot (and
 * anyone without the rights to disable it) from changing rows; this catches the rest. Someone
 * able to rewrite every row after the one they edit would go unseen, which is why the head hash
 * is printed: kept elsewhere, it pins the chain.
 */
export async function verifyChain(db: Db, anchors: readonly AuditAnchor[] = []): Promise<AuditVerdict> {
  // The hashes the chain holds at anchored ids, to compare once the walk is done.
  const anchoredIds = new Set(anchors.map((a) => a.id));
  const hashAt = new Map<number, string>();
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
          message:
            `audit row ${entry.id} does not follow ${headId === null ? 'the start of the chain' : `row ${headId}`}: ` +
            'a row before it was removed or rewritten',
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
      if (anchoredIds.has(entry.id)) hashAt.set(entry.id, entry.hash);
      headId = entry.id;
      lastId = entry.id;
      checked++;
    }
    if (rows.length < BATCH) return checkAnchors(anchors, hashAt, { checked, headId, headHash: prevHash });
  }
}

/**
 * The chain holds by itself; now against what was written outside the database. The newest
 * anchor past the head says the tail was cut; an anchored row with another hash says the chain was
 * rewritten from there on (every later hash recomputed, which the walk alone cannot see).
 */
function checkAnchors(
  anchors: readonly AuditAnchor[],
  hashAt: ReadonlyMap<number, string>,
  walked: { checked: number; headId: number | null; headHash: string },
): AuditVerdict {
  const { checked, headId } = walked;
  const beyond = anchors.filter((a) => a.id > (headId ?? 0)).sort((a, b) => b.id - a.id)[0];
  if (beyond !== undefined) {
    const last = headId === null ? 'the start of the chain' : `${headId}`;
    return {
      ok: false,
      checked,
      brokenId: (headId ?? 0) + 1,
      reason: 'tail_missing',
      message: `rows after ${last} are gone; anchored head was ${beyond.id} at ${beyond.at} (${beyond.reason})`,
    };
  }
  for (const anchor of [...anchors].sort((a, b) => a.id - b.id)) {
    const hash = hashAt.get(anchor.id);
    if (hash !== anchor.hash) {
      return {
        ok: false,
        checked,
        brokenId: anchor.id,
        reason: 'anchor_mismatch',
        message:
          hash === undefined
            ? `row ${anchor.id}, anchored at ${anchor.at}, is gone from the chain`
            : `row ${anchor.id} is not the row anchored at ${anchor.at}: the chain was rewritten from there on`,
      };
    }
  }
  return { ok: true, ...walked, anchorsChecked: anchors.length };
}
