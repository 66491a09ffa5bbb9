import type { DbReadings, FleetOverview, HostOverview } from '../../operations/fleet-overview.js';
import { context, escapeText, formatDuration, section, sectionsOf, type Block } from './kit.js';
import { programLine, troubleFirst } from './status.js';

/** When a reading counts as trouble: the monitor's limits. */
export interface HealthLimits {
  feedMaxAgeSeconds: Readonly<Record<string, number>>;
  backupMaxAgeSeconds: number;
}

const DOWN = ':heavy_multiplication_x:';
const OK = ':large_green_circle:';
const BAD = ':red_circle:';

const seconds = (s: number) => formatDuration(s * 1000);

function dbLines(db: DbReadings, limits: HealthLimits): string[] {
  const lines: string[] = [];
  lines.push(db.status.ok ? `${OK} PostgreSQL answers` : `${DOWN} PostgreSQL: ${escapeText(db.status.why)}`);
  if (db.tables) {
    const t = db.tables;
    lines.push(
      !t.ok
        ? `${DOWN} tables: ${escapeText(t.why)}`
        : t.value.missing.length > 0
          ? `${BAD} tables missing: ${t.value.missing.map((m) => `\`${escapeText(m)}\``).join(', ')}`
          : `${OK} all ${t.value.expected} tables present`,
    );
  }
  for (const { feed, ageSeconds } of db.feeds) {
    const limit = limits.feedMaxAgeSeconds[feed];
    if (!ageSeconds.ok) lines.push(`${DOWN} ${feed}: ${escapeText(ageSeconds.why)}`);
    else if (ageSeconds.value === null) lines.push(`${BAD} ${feed}: no rows at all`);
    else {
      const late = limit !== undefined && ageSeconds.value > limit;
      lines.push(
        `${late ? BAD : OK} ${feed} newest row ${seconds(ageSeconds.value)} old` +
          (late ? ` (limit ${seconds(limit)})` : ''),
      );
    }
  }
  const backup = db.newestBackup;
  if (!backup.ok) lines.push(`${DOWN} backups: ${escapeText(backup.why)}`);
  else if (backup.value === null) lines.push(':warning: no database dump at all');
  else {
    const stale = backup.value.ageSeconds > limits.backupMaxAgeSeconds;
    lines.push(
      `${stale ? ':warning:' : ':floppy_disk:'} newest dump ${seconds(backup.value.ageSeconds)} old` +
        `${stale ? ` (over ${seconds(limits.backupMaxAgeSeconds)})` : ''} — \`${escapeText(backup.value.file)}\``,
    );
  }
  return lines;
}

function hostBlocks(host: HostOverview, limits: HealthLimits, maxSections: number): Block[] {
  const name = `*${escapeText(host.name)}* · ${host.roles.join(', ')}`;
  if (!host.programs.ok) return [section(`${DOWN} ${name} — could not be read: ${escapeText(host.programs.why)}`)];
  const programs = troubleFirst(host.programs.value);
  const running = programs.filter((p) => p.state === 'RUNNING').length;
  const blocks: Block[] = sectionsOf(
    [`${name} — ${running}/${programs.length} programs running`, ...programs.map(programLine)],
    maxSections,
  );
  // A context block holds at most 10 elements; the db readings are at most 6.
  if (host.db) blocks.push(context(...dbLines(host.db, limits)));
  return blocks;
}

/**
 * Per host: its supervisor programs (trouble first) and, on db hosts, the database, the feeds and
 * the newest dump — each reading green, red with the number, or ✖ with why it could not be read.
 * At most `maxBlocks` blocks; hosts that do not fit are counted, not dropped silently.
 */
export function renderHosts(overview: FleetOverview, limits: HealthLimits, maxBlocks: number): Block[] {
  const blocks: Block[] = [];
  const perHost = Math.max(1, Math.min(3, Math.floor(maxBlocks / Math.max(1, overview.hosts.length)) - 1));
  for (const [i, host] of overview.hosts.entries()) {
    const next = hostBlocks(host, limits, perHost);
    if (blocks.length + next.length > maxBlocks - 1) {
      blocks.push(
        context(
          `_… and ${overview.hosts.length - i} more host${overview.hosts.length - i === 1 ? '' : 's'}: ` +
            '`/recio status` lists them all._',
        ),
      );
      break;
    }
    blocks.push(...next);
  }
  if (overview.hosts.length === 0) blocks.push(section('No hosts in the fleet.'));
  return blocks;
}
