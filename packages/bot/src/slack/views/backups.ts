import type { HostResult } from '../../hosts/transport.js';
import { context, escapeText, fallbackText, header, section, sectionsOf, type Block } from './kit.js';

interface Backup {
  file: string;
  ageSeconds: number;
  bytes: number;
}

/** The plan's check: a newest backup older than 26 h means last night's did not happen. */
const STALE_SECONDS = 26 * 3600;

export function age(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 72 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

export function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `/recio backup list`: the dumps on each db host, newest first, with their ages; a stale newest one is flagged. */
export function renderBackups(results: HostResult[]): { text: string; blocks: Block[] } {
  const blocks: Block[] = [header('Database backups')];
  let stale = 0;
  for (const result of results) {
    if (!result.ok) {
      blocks.push(
        section(
          `:x: *${escapeText(result.host)}* — could not list backups: ${escapeText(result.error?.message ?? 'failed')}`,
        ),
      );
      continue;
    }
    const backups = [...((result.data as { backups?: Backup[] } | undefined)?.backups ?? [])].sort(
      (a, b) => a.ageSeconds - b.ageSeconds,
    );
    const newest = backups[0];
    const flag =
      newest === undefined
        ? ':warning: no backups at all'
        : newest.ageSeconds > STALE_SECONDS
          ? `:warning: the newest is ${age(newest.ageSeconds)} old (over 26 h)`
          : `newest ${age(newest.ageSeconds)} old`;
    if (newest === undefined || newest.ageSeconds > STALE_SECONDS) stale += 1;
    blocks.push(
      ...sectionsOf(
        [
          `*${escapeText(result.host)}* — ${backups.length} dump${backups.length === 1 ? '' : 's'}, ${flag}`,
          ...backups.map((b) => `• \`${escapeText(b.file)}\` — ${age(b.ageSeconds)} old, ${size(b.bytes)}`),
        ],
        4,
      ),
    );
  }
  if (results.length === 0) blocks.push(section('No host has the `db` role in the fleet.'));
  if (blocks.length > 49) blocks.splice(48);
  blocks.push(
    context(
      stale === 0 ? 'Retention: 7 days locally, 30 days offsite.' : ':warning: Take one now with `/recio backup now`.',
    ),
  );
  return { text: fallbackText(stale === 0 ? 'Backups' : 'Backups: the newest is stale'), blocks };
}
