import { age, archiveRows, restoreTestText, size } from '../operations/backup-listing.js';
import type { Answer } from '../operations/types.js';

/** `recio backup list` in a terminal: the dumps, the archives, the last restore test per host. */
export function formatBackups(answer: Extract<Answer, { type: 'backups' }>): string[] {
  const lines: string[] = [];
  for (const r of answer.results) {
    if (!r.ok) lines.push(`✖ ${r.host}: ${r.error?.message}`);
    for (const b of (r.data as { backups?: Array<{ file: string; bytes: number; ageSeconds: number }> } | undefined)
      ?.backups ?? []) {
      lines.push(`${r.host}  ${b.file}  ${size(b.bytes)}  ${age(b.ageSeconds)} old`);
    }
  }
  const archives = archiveRows(answer.archives ?? []);
  for (const e of archives.errors) lines.push(`✖ ${e.host} archives: ${e.why}`);
  for (const a of archives.rows) {
    const offsite = a.offsite === undefined ? '' : a.offsite ? '  offsite' : '  NOT offsite';
    lines.push(`${a.host}  ${a.file}  ${a.kind}  ${size(a.bytes)}  ${age(a.ageSeconds)} old${offsite}`);
  }
  for (const k of archives.keepDays) lines.push(`${k.host}: history archives kept ${k.days} days`);
  for (const check of answer.restoreTests ?? []) lines.push(`${check.ok ? '✔' : '✖'} ${restoreTestText(check)}`);
  return lines;
}
