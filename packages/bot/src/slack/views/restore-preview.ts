import type { JsonObject } from '../../domain/index.js';
import { age, size } from '../../operations/backup-listing.js';
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

/** Rows lost, with a table that cannot tell ranked above one that loses nothing. */
const lossKey = (row: { newer: number | null }) => (row.newer === null ? 0.5 : row.newer);

/** Per table what it loses, as many as fit `budget` characters, then how many more there are. */
function rewindLine(rows: readonly NonNullable<Preview['rewind']>[number][], budget: number): string {
  if (rows.length === 0) return '*Rewinds:* no table of the dump is there now to rewind';
  let line = '*Rewinds:* ';
  for (const [i, row] of rows.entries()) {
    const part = `${i === 0 ? '' : ' · '}${rewound(row)}`;
    const rest = rows.length - i;
    if (line.length + part.length > budget - 30) return `${line} · …and ${rest} more table${rest === 1 ? '' : 's'}`;
    line += part;
  }
  return line;
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
  const rows = (p.rewind ?? [])
    .filter((r) => restoring.length === 0 || restoring.includes(r.table))
    // The biggest losses first: when the list has to be cut, what is cut is what costs least.
    .sort((a, b) => lossKey(b) - lossKey(a));
  const fixed = [
    `*File:* \`${escapeText(p.file ?? '?')}\` · ${p.bytes === undefined ? '?' : size(p.bytes)} · ${when}` +
      (p.fetched ? ' · fetched back from offsite' : ''),
    `*SHA-256:* \`${escapeText(p.sha256 ?? '?')}\``,
    `*Missing now:* ${clip((p.missingNow ?? []).length === 0 ? 'none' : names(p.missingNow ?? []), 600)}`,
  ];
  if (restoring.length === 0 && (p.notInDump ?? []).length > 0)
    fixed.push(`*Not in the dump (left as they are):* ${clip(names(p.notInDump ?? []), 400)}`);
  const budget = Limits.sectionText - fixed.join('\n').length - 60;
  const lines = [...fixed.slice(0, 2), rewindLine(rows, budget), ...fixed.slice(2)];
  return clip(lines.join('\n'), Limits.sectionText);
}
