import { ActionId, BlockId } from '../ids.js';
import {
  actions,
  button,
  context,
  escapeText,
  fallbackText,
  header,
  section,
  sectionsOf,
  shortId,
  slackTime,
  type Block,
} from './kit.js';
import { stepReason } from './step-lines.js';
import { runTitle } from './run-message.js';
import type { Run, Step } from '../../domain/index.js';
import { restoreTestText } from '../../operations/backup-listing.js';
import type { BackupCheck } from '../../store/index.js';

export interface ChecklistView {
  run: Run;
  steps: Step[];
  /** The nightly restore test's last result per db host: shown under the items, not one of them. */
  restoreTests?: BackupCheck[];
}

type Mark = 'pass' | 'wait' | 'fail';

function markOf(step: Step): Mark {
  if (step.state === 'succeeded') return 'pass';
  if (step.state === 'failed' || step.state === 'interrupted' || step.state === 'skipped' || step.state === 'cancelled')
    return 'fail';
  return 'wait';
}

const MARK: Record<Mark, string> = { pass: ':white_check_mark:', wait: ':hourglass_flowing_sand:', fail: ':x:' };

function itemLine(step: Step): string {
  const mark = markOf(step);
  const reason = stepReason(step);
  const why =
    mark === 'pass'
      ? reason
        ? ` — ${escapeText(reason)}`
        : ''
      : mark === 'fail'
        ? ` — ${escapeText(reason ?? step.state)}`
        : step.state === 'awaiting_approval'
          ? ' — waiting for a lead_operator to confirm'
          : step.state === 'running'
            ? ' — checking…'
            : '';
  return `${MARK[mark]} ${escapeText(step.title)}${why}`;
}

/** Green only when every item passed; otherwise say how many are still open or failed. */
function verdict(run: Run, steps: Step[]): string {
  const marks = steps.map(markOf);
  const failed = marks.filter((m) => m === 'fail').length;
  const waiting = marks.filter((m) => m === 'wait').length;
  if (failed === 0 && waiting === 0 && steps.length > 0) return ':large_green_circle: *GREEN* — every item passed.';
  if (run.state === 'cancelled') return ':no_entry_sign: *Cancelled* — not green.';
  if (failed > 0)
    return (
      `:red_circle: *NOT GREEN* — ${failed} of ${steps.length} item${steps.length === 1 ? '' : 's'} failed` +
      `${waiting ? `, ${waiting} still open` : ''}.`
    );
  return `:hourglass_flowing_sand: Checking — ${steps.length - waiting} of ${steps.length} items done.`;
}

/**
 * The Recovery Verification Checklist (scenario `verify`): one line per item, ✅ / ⏳ / ❌ with why,
 * ticking live as the probes pass. The manual item ("trades can be placed") gets a button that
 * only a lead_operator can use (checked in the core when clicked).
 */
export function renderChecklist({ run, steps, restoreTests }: ChecklistView): { text: string; blocks: Block[] } {
  const manual = steps.filter((s) => s.state === 'awaiting_approval' && s.approval === 'confirm');
  const blocks: Block[] = [
    header(runTitle(run)),
    ...sectionsOf(steps.map(itemLine), 40),
    section(verdict(run, steps)),
    ...(restoreTests === undefined ? [] : [context(restoreTestLine(restoreTests))]),
    context(`Run \`${shortId(run.id)}\` · started ${slackTime(run.createdAt)}`),
  ];
  // One block per hand-ticked item: the same action_id twice in one block is invalid_blocks.
  for (const s of manual.slice(0, 10))
    blocks.push(
      actions(`${BlockId.stepActions}_${s.idx}`, [
        button(`Confirm: ${s.title}`, ActionId.confirmStep, s.id, 'primary'),
      ]),
    );
  const passed = steps.filter((s) => markOf(s) === 'pass').length;
  return { text: fallbackText(`${runTitle(run)}: ${passed}/${steps.length} passed`), blocks };
}

/**
 * Whether last night's dump would bring the database back (§2's restore test): a line under the
 * items, not an item — it is last night's verdict, not something this recovery can tick now.
 */
function restoreTestLine(tests: BackupCheck[]): string {
  if (tests.length === 0) return ':grey_question: Backups restorable: no nightly restore test recorded yet.';
  const lines = tests.slice(0, 5).map((t) => `${t.ok ? ':white_check_mark:' : ':x:'} ${restoreTestText(t)}`);
  return escapeText(`Backups restorable (nightly restore test): ${lines.join(' · ')}`).slice(0, 2900);
}

/** A run shows as a checklist when it is the verify scenario (every item at once, ticking live). */
export function isChecklist(run: Run): boolean {
  return run.scenario === 'verify';
}
