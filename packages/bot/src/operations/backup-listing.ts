import type { HostResult } from '../hosts/transport.js';
import type { BackupCheck } from '../store/index.js';

/** One archive as `backup list` shows it: §2.2's config archives, §2.3's logs and table exports. */
export interface ArchiveRow {
  host: string;
  file: string;
  /** `config`, `logs`, or the exported table. */
  kind: string;
  bytes: number;
  ageSeconds: number;
  mode: string;
  /** Config archives only, when the host can list its offsite store. */
  offsite?: boolean;
}

export interface ArchiveListing {
  rows: ArchiveRow[];
  /** Hosts whose archives could not be listed, and why. */
  errors: Array<{ host: string; why: string }>;
  /** Each host's history retention (history.keepDays). */
  keepDays: Array<{ host: string; days: number }>;
}

type Dir = { files: Array<Omit<ArchiveRow, 'host' | 'offsite'>>; offsite?: { files: string[] } | { error: string } };

/** The archive.list answers as rows, newest first per host and kind. */
export function archiveRows(results: readonly HostResult[]): ArchiveListing {
  const listing: ArchiveListing = { rows: [], errors: [], keepDays: [] };
  for (const result of results) {
    if (!result.ok) {
      listing.errors.push({ host: result.host, why: result.error?.message ?? 'archive.list failed' });
      continue;
    }
    const data = result.data as { config: Dir; history: Dir & { keepDays: number } };
    const offsite = data.config.offsite && 'files' in data.config.offsite ? new Set(data.config.offsite.files) : null;
    for (const f of data.config.files)
      listing.rows.push({ ...f, host: result.host, ...(offsite ? { offsite: offsite.has(f.file) } : {}) });
    for (const f of data.history.files) listing.rows.push({ ...f, host: result.host });
    listing.keepDays.push({ host: result.host, days: data.history.keepDays });
  }
  return listing;
}

export const when = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

/** The nightly restore test's last result on a host, in one line (App Home, `backup list`, the checklist). */
export function restoreTestText(check: BackupCheck): string {
  const dump = check.subject ? ` (${check.subject})` : '';
  if (check.ok) return `restore test on ${check.host} passed ${when(check.at)} UTC${dump}`;
  return (
    `restore test on ${check.host} FAILED ${when(check.at)} UTC${dump}: ${check.detail}; ` +
    `last passed ${check.lastOk ? `${when(check.lastOk)} UTC` : 'never'}`
  );
}

export function age(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 72 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
