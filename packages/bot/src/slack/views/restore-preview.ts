import type { JsonObject } from '../../domain/index.js';
import { age, size } from './backups.js';
import { clip, escapeText, Limits, slackTime } from './kit.js';

interface Preview {
  file?: string;
  bytes?: number;
  sha256?: string;
  takenAt?: string;
  fetched?: boolean;
  tables?: string[];
  missingNow?: string[];
  rewind?: Array<{ table: string; column: string | null; newer: number | null }>;
  notInDump?: string[];
  error?: string;
}

const names = (tables: readonly string[]) => tables.map((t) => `\`${escapeText(t)}\``).join(', ');

function rewound(row: NonNullable<Preview['rewind']>[number]): string {
  const table = `\`${escapeText(row.table)}\``;
  if (row.newer === null) return `${table}: no timestamp column, cannot tell`;
  const by = `by \`${escapeText(row.column ?? '')}\``;
  return row.newer === 0 ? `${table}: nothing newer (${by})` : `${table}: *${row.newer}* rows newer (${by})`;
}

/**
 * The dump a restore is bound to, as the approver must see it before typing its date: exact file
 * (name, size, full SHA-256), when it was taken, and what the restore rewinds — per table the rows
 * written after it (only the tables the restore touches), and the tables missing now.
 */
export function renderRestorePreview(preview: JsonObject, restoring: readonly string[], now: Date): string {
  const p = preview as Preview;
  if (p.error !== undefined)
    return `:warning: Could not look into \`${escapeText(p.file ?? '?')}\` first: ${escapeText(p.error)}`;
  const taken = p.takenAt === undefined ? undefined : new Date(p.takenAt);
  const when =
    taken === undefined
      ? 'time unknown'
      : `taken ${slackTime(taken)} (${age(Math.max(0, (now.getTime() - taken.getTime()) / 1000))} ago)`;
  const rows = (p.rewind ?? []).filter((r) => restoring.length === 0 || restoring.includes(r.table));
  const lines = [
    `*File:* \`${escapeText(p.file ?? '?')}\` · ${p.bytes === undefined ? '?' : size(p.bytes)} · ${when}` +
      (p.fetched ? ' · fetched back from offsite' : ''),
    `*SHA-256:* \`${escapeText(p.sha256 ?? '?')}\``,
    rows.length === 0
      ? '*Rewinds:* no table of the dump is there now to rewind'
      : `*Rewinds:* ${rows.map(rewound).join(' · ')}`,
    `*Missing now:* ${(p.missingNow ?? []).length === 0 ? 'none' : names(p.missingNow ?? [])}`,
  ];
  if (restoring.length === 0 && (p.notInDump ?? []).length > 0)
    lines.push(`*Not in the dump (left as they are):* ${names(p.notInDump ?? [])}`);
  return clip(lines.join('\n'), Limits.sectionText);
}
