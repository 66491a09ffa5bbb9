import { age, size } from './backup-listing.js';
import type { DumpChoice } from './restore-requests.js';

const sizeOf = (bytes: number | null) => (bytes === null ? 'size ?' : size(bytes));
const ageOf = (takenAt: string, now: number) => age(Math.max(0, (now - Date.parse(takenAt)) / 1000));

export function testedOf(dump: DumpChoice): string {
  if (dump.tested === null) return 'untested';
  return dump.tested.ok ? 'tested ok' : 'test FAILED';
}

/** One dump in one line (a picker option is ≤ 75 characters): when, how old, how big, where, tested. */
export function dumpLabel(dump: DumpChoice, now: number): string {
  const when = dump.takenAt.slice(0, 16).replace('T', ' ');
  const where = dump.where === 'offsite' ? 'offsite only' : dump.offsite ? 'local+offsite' : 'local';
  return `${when} · ${ageOf(dump.takenAt, now)} · ${sizeOf(dump.bytes)} · ${where} · ${testedOf(dump)}`;
}

/** The choice as text, for where no picker can open (the terminal, an @-mention). */
export function dumpLines(answer: { host: string | null; dumps: DumpChoice[]; error?: string }, now = Date.now()) {
  const lines: string[] = [];
  if (answer.error !== undefined) lines.push(`! ${answer.error}`);
  if (answer.dumps.length === 0) lines.push(`No dump to restore on ${answer.host ?? 'the db host'}.`);
  else lines.push(`Which dump? \`restore <file> [<table>…]\` — on ${answer.host}:`);
  for (const d of answer.dumps) lines.push(`  ${d.file}  ${dumpLabel(d, now)}`);
  return lines;
}
