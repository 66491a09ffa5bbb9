import { stepOutputFilename } from '../../runbooks/run-notices.js';
import { planOf } from '../../runbooks/step-plan.js';
import { ActionId, BlockId } from '../ids.js';
import {
  actions,
  button,
  context,
  escapeText,
  fallbackText,
  formatDuration,
  header,
  Limits,
  outputTail,
  section,
  sectionsOf,
  shortId,
  slackTime,
  type Block,
} from './kit.js';
import { stepLine, stepReason } from './step-lines.js';
import { NEEDS_REVIEW, type Run, type Step } from '../../domain/index.js';

export interface RunView {
  run: Run;
  steps: Step[];
  now: Date;
  /** The break-glass mark ("needs review" until reviewed), when a step ran by breaking the glass. */
  mark?: string | undefined;
}

const ACTIVE: Run['state'][] = ['pending', 'running', 'awaiting_approval'];

const FINAL: Partial<Record<Run['state'], string>> = {
  succeeded: ':white_check_mark: *SUCCEEDED*',
  failed: ':x: *FAILED*',
  skipped: ':fast_forward: *SKIPPED* — nothing to do',
  cancelled: ':no_entry_sign: *CANCELLED*',
  interrupted: ':warning: *INTERRUPTED* — the bot stopped mid-step; check before retrying',
};

export function runTitle(run: Run): string {
  return typeof run.params.title === 'string' ? run.params.title : run.scenario;
}

/** The step whose output matters now: the one running, else the one that failed, else the last that printed. */
function focusStep(steps: Step[]): Step | undefined {
  return (
    steps.find((s) => s.state === 'running') ??
    steps.find((s) => s.state === 'failed' && s.outputExcerpt) ??
    [...steps].reverse().find((s) => s.outputExcerpt)
  );
}

function finalLine(run: Run, steps: Step[]): string | undefined {
  const loud = FINAL[run.state];
  if (loud === undefined) return undefined;
  const took = run.finishedAt ? ` in ${formatDuration(run.finishedAt.getTime() - run.createdAt.getTime())}` : '';
  const failed = steps.find((s) => s.state === 'failed');
  const why =
    run.state === 'failed' && failed
      ? ` at step ${failed.idx + 1}, *${escapeText(failed.title)}*` +
        (stepReason(failed) ? `: ${escapeText(stepReason(failed)!)}` : '')
      : '';
  return `${loud}${took}${why}`;
}

/** At most this many waiting steps get their own buttons; the rest are said in a line. */
const MAX_GATE_BLOCKS = 10;

/**
 * Go ahead / Skip for each waiting step, in a block of its own (parallel steps wait at once, and
 * an action_id may appear only once per block), then Cancel for the run.
 */
function buttonsFor(run: Run, steps: Step[]): Block[] {
  if (!ACTIVE.includes(run.state)) return [];
  const gated = steps.filter((s) => s.state === 'awaiting_approval');
  const perStep: Block[] = gated
    .slice(0, MAX_GATE_BLOCKS)
    .map((s) =>
      actions(`${BlockId.stepActions}_${s.idx}`, [
        ...(s.approval === 'confirm'
          ? [button(`Go ahead with step ${s.idx + 1}`, ActionId.confirmStep, s.id, 'primary')]
          : []),
        button(`Skip step ${s.idx + 1}`, ActionId.skipStep, s.id),
      ]),
    );
  const more = gated.length - perStep.length;
  // A retrying step a lead_operator may end now ("Disable auto entry now"): only while it runs, once.
  const cuttable = steps
    .filter((s) => s.state === 'running' && !s.cutShortBy && planOf(s).cutShort !== undefined)
    .slice(0, 1)
    .map((s) =>
      actions(`${BlockId.stepActions}_cut_${s.idx}`, [
        button(planOf(s).cutShort!.label, ActionId.cutShort, s.id, 'danger'),
      ]),
    );
  return [
    ...cuttable,
    ...perStep,
    ...(more > 0
      ? [context(`${more} more step${more === 1 ? '' : 's'} waiting: \`recio\` on the bot host lists them.`)]
      : []),
    actions(BlockId.runActions, [button('Cancel run', ActionId.cancelRun, run.id, 'danger')]),
  ];
}

/** A Slack user id as a mention; anyone else (a terminal user) as code. */
function requester(who: string): string {
  return who.startsWith('U') || who.startsWith('W') ? `<@${who}>` : `\`${escapeText(who)}\``;
}

/**
 * One live message per run: what it is, every step with an emoji for its state and its duration,
 * the output of the step that matters now (its tail, with a note when cut), the buttons that
 * apply, and — once it ends — the final state, loudly.
 */
export function renderRunMessage({ run, steps, now, mark }: RunView): { text: string; blocks: Block[] } {
  const title = runTitle(run);
  const blocks: Block[] = [
    header(`${run.dryRun ? 'Dry run: ' : ''}${title}`),
    context(`Requested by ${requester(run.requestedBy)} · run \`${shortId(run.id)}\` · ${slackTime(run.createdAt)}`),
    ...(mark ? [section(mark)] : []),
  ];
  const tail: Block[] = [];
  const focus = focusStep(steps);
  if (focus?.outputExcerpt) {
    const out = outputTail(focus.outputExcerpt, Limits.sectionText - 300);
    if (out.shown > 0) {
      const cut = out.shown < out.total ? ` — last ${out.shown} of ${out.total} lines` : '';
      tail.push(section(`*Output of step ${focus.idx + 1}*${cut}\n${out.text}`));
      if (out.shown < out.total || focus.outputExcerpt.startsWith('…')) {
        const whole =
          focus.finishedAt === null
            ? 'goes up as a file in the thread when the step ends'
            : `is the file \`${stepOutputFilename(run, focus)}\` in the thread`;
        tail.push(context(`Cut to fit Slack: the whole output ${whole}.`));
      }
    }
  }
  const final = finalLine(run, steps);
  if (final) tail.push(section(final));
  const controls = buttonsFor(run, steps);
  const room = Limits.blocksPerMessage - blocks.length - tail.length - controls.length;
  blocks.push(
    ...sectionsOf(
      steps.map((s) => stepLine(s, now)),
      Math.max(1, room),
    ),
    ...tail,
    ...controls,
  );
  const progress = final ? run.state : `${steps.filter((s) => s.finishedAt).length}/${steps.length} steps`;
  // The mark in the notification text too: it is what a phone shows.
  const flagged = mark?.includes(NEEDS_REVIEW) ? ` (${NEEDS_REVIEW})` : '';
  const text = `${escapeText(title)}: ${progress}${flagged}`;
  return { text: fallbackText(text), blocks };
}
