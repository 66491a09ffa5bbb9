import { open, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Db } from './db.js';

/**
 * The audit chain's head (id, hash), written outside the database: one JSON line per anchor in a
 * file beside the data dir. Whoever can rewrite or cut the chain in the database (its owner, a
 * superuser) does not thereby reach this file; `recio audit verify` compares the chain with it and
 * names what is missing. Written at least hourly and after every dangerous action.
 */
export interface AuditAnchor {
  id: number;
  hash: string;
  /** ISO time the anchor was written. */
  at: string;
  /** Why: `hourly`, `start`, `dangerous:db.restore`, … */
  reason: string;
}

/** `/var/lib/recio-bot/data` → `/var/lib/recio-bot/audit-anchors.jsonl`: beside the data dir, not in it. */
export function anchorFileFor(dataDir: string): string {
  return join(dirname(resolve(dataDir)), 'audit-anchors.jsonl');
}

/** The chain's head now, or undefined while the log is empty. */
export async function chainHead(db: Db): Promise<{ id: number; hash: string } | undefined> {
  const [row] = await db.query<{ id: string; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
  return row ? { id: Number(row.id), hash: row.hash } : undefined;
}

/** Appends the head to the anchor file (created 0600), flushed to disk before it returns. */
export async function writeAnchor(db: Db, file: string, reason: string): Promise<AuditAnchor | undefined> {
  const head = await chainHead(db);
  if (head === undefined) return undefined;
  const anchor: AuditAnchor = { ...head, at: new Date().toISOString(), reason };
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.appendFile(`${JSON.stringify(anchor)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return anchor;
}

/** Every anchor in the file (none if it does not exist); a line that does not parse is reported. */
export async function readAnchors(file: string): Promise<{ anchors: AuditAnchor[]; unreadable: number[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { anchors: [], unreadable: [] };
    throw error;
  }
  const anchors: AuditAnchor[] = [];
  const unreadable: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const parsed = JSON.parse(line) as AuditAnchor;
      if (Number.isInteger(parsed.id) && typeof parsed.hash === 'string') anchors.push(parsed);
      else unreadable.push(index + 1);
    } catch {
      unreadable.push(index + 1);
    }
  });
  return { anchors, unreadable };
}
