import { escapeText, formatDuration } from './kit.js';
import type { Json, Step, StepState } from '../../domain/index.js';

export const STATE_EMOJI: Record<StepState, string> = {
  pending: ':white_circle:',
  running: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  skipped: ':fast_forward:',
  awaiting_approval: ':raised_hand:',
  interrupted: ':warning:',
  cancelled: ':no_entry_sign:',
};

const STATE_WORD: Record<StepState, string> = {
  pending: 'waiting',
  running: 'running',
  succeeded: 'done',
  failed: 'failed',
  skipped: 'skipped',
  awaiting_approval: 'waiting for a person',
  interrupted: 'interrupted — outcome unknown',
  cancelled: 'cancelled',
};

function field(value: Json | null | undefined, key: string): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, Json>)[key]
    : undefined;
}

/**
 * Why a step ended as it did, in one line: a check's own detail, the agent's error message, or the
 * outcome word. Comes from the stored result, so it reads the same after a restart of the bot.
 */
export function stepReason(step: Step): string | undefined {
  const detail = field(step.result, 'detail');
  if (typeof detail === 'string' && detail !== '') return detail;
  const message = field(field(step.result, 'error'), 'message');
  if (typeof message === 'string' && message !== '') return message;
  if (step.state === 'failed' && step.outcome) return step.outcome;
  return undefined;
}

export function stepDuration(step: Step, now: Date): string | undefined {
  if (step.startedAt === null) return undefined;
  if (step.finishedAt !== null) return formatDuration(step.finishedAt.getTime() - step.startedAt.getTime());
  if (step.state === 'running') return `${formatDuration(now.getTime() - step.startedAt.getTime())} so far`;
  return undefined;
}

/** A Slack user id as a mention; anyone else (a terminal user) as code. */
const person = (who: string) => (/^[UW][A-Z0-9]+$/.test(who) ? `<@${who}>` : `\`${escapeText(who)}\``);

/** `✅ *2. Restart trade_executor* on `db1` — done in 2.3 s` (+ why, when it has one). */
export function stepLine(step: Step, now: Date): string {
  const duration = stepDuration(step, now);
  const reason = stepReason(step);
  const where = step.host === 'recio' ? '' : ` on \`${escapeText(step.host)}\``;
  const how =
    step.state === 'running'
      ? `running${duration ? ` (${duration})` : ''}`
      : `${STATE_WORD[step.state]}${duration ? ` in ${duration}` : ''}`;
  const why = step.cutShortBy
    ? `: wait cut short by ${person(step.cutShortBy)}${reason ? ` (last try: ${escapeText(reason)})` : ''}`
    : reason && step.state !== 'succeeded'
      ? `: ${escapeText(reason)}`
      : '';
  return `${STATE_EMOJI[step.state]} *${step.idx + 1}. ${escapeText(step.title)}*${where} — ${how}${why}`;
}
