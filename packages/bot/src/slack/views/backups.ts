import type { HostResult } from '../../hosts/transport.js';
import { age, archiveRows, restoreTestText, size } from '../../operations/backup-listing.js';
import type { Answer } from '../../operations/types.js';
import { context, escapeText, fallbackText, header, section, sectionsOf, type Block } from './kit.js';

interface Backup {
  file: string;
  ageSeconds: number;
  bytes: number;
}

/** The plan's check: a newest backup older than 26 h means last night's did not happen. */
const STALE_SECONDS = 26 * 3600;

/**
 * `/recio backup list`: the dumps on each db host, newest first, with their ages (a stale newest
 * one is flagged); the config archives (§2.2, offsite or not) and history archives (§2.3) with
 * their retention; the nightly restore test's last result per host.
 */
export function renderBackups(answer: Extract<Answer, { type: 'backups' }>): { text: string; blocks: Block[] } {
  const results: HostResult[] = answer.results;
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
  blocks.push(...archiveBlocks(answer));
  if (blocks.length > 49) blocks.splice(48);
  blocks.push(
    context(
      stale === 0 ? 'Retention: 7 days locally, 30 days offsite.' : ':warning: Take one now with `/recio backup now`.',
    ),
  );
  return { text: fallbackText(stale === 0 ? 'Backups' : 'Backups: the newest is stale'), blocks };
}

/** At most this many archives per host and kind: the newest say what a person needs. */
const ARCHIVES_SHOWN = 5;

function archiveBlocks(answer: Extract<Answer, { type: 'backups' }>): Block[] {
  const blocks: Block[] = [];
  const tests = answer.restoreTests ?? [];
  blocks.push(
    section(
      tests.length === 0
        ? '*Nightly restore test* — no result recorded yet (it runs at 04:30 on each db host)'
        : `*Nightly restore test*\n${tests
            .map((t) => `${t.ok ? ':white_check_mark:' : ':x:'} ${escapeText(restoreTestText(t))}`)
            .join('\n')}`,
    ),
  );
  if (answer.archives === undefined) return blocks;
  const listing = archiveRows(answer.archives);
  const lines: string[] = [];
  for (const e of listing.errors)
    lines.push(`:x: *${escapeText(e.host)}* — could not list archives: ${escapeText(e.why)}`);
  const seen = new Map<string, number>();
  for (const a of listing.rows) {
    const key = `${a.host}/${a.kind}`;
    const shown = seen.get(key) ?? 0;
    seen.set(key, shown + 1);
    if (shown >= ARCHIVES_SHOWN) continue;
    const offsite = a.offsite === undefined ? '' : a.offsite ? ', offsite' : ', :warning: not offsite';
    lines.push(
      `• *${escapeText(a.host)}* \`${escapeText(a.file)}\` — ${escapeText(a.kind)}, ` +
        `${age(a.ageSeconds)} old, ${size(a.bytes)}${offsite}`,
    );
  }
  const more = [...seen.values()].reduce((n, count) => n + Math.max(0, count - ARCHIVES_SHOWN), 0);
  blocks.push(
    ...sectionsOf(
      [
        '*Archives* (config and secrets §2.2, logs and price history §2.3)',
        ...(lines.length > 0 ? lines : ['_none yet: `/recio backup config`, `/recio backup history`_']),
        ...(more > 0 ? [`…and ${more} older`] : []),
      ],
      4,
    ),
  );
  const keep = listing.keepDays.map((k) => `${k.host} ${k.days} days`).join(', ');
  blocks.push(
    context(
      `History archives kept: ${keep || 'n/a'}; config archives until removed by hand. ` +
        'Restore one to compare: `/recio backup restore <config archive> [into <dir>]`.',
    ),
  );
  return blocks;
}
