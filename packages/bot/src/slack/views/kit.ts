import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';

/**
 * Block Kit building blocks and Slack's size limits. Every view goes through these, so a long
 * title or a huge output is cut here (with a note) instead of being refused by Slack as
 * `invalid_blocks` — which would leave the person with no message at all.
 */
export const Limits = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  contextText: 3000,
  optionText: 75,
  optionValue: 150,
  optionsPerSelect: 100,
  viewTitle: 24,
  /** The plain-text fallback of a message (Slack refuses above 40,000 characters). */
  messageText: 40_000,
} as const;

export type Block = KnownBlock;

/** Slack's three control characters in mrkdwn; everything we did not write ourselves goes through this. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` characters (code points), ending with `…` when it had to. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, Limits.headerText), emoji: true } };
}

export function section(mrkdwn: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn, Limits.sectionText) } };
}

export function context(...mrkdwn: string[]): ContextBlock {
  return {
    type: 'context',
    elements: mrkdwn.slice(0, 10).map((text) => ({ type: 'mrkdwn', text: clip(text, Limits.contextText) })),
  };
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(text, Limits.buttonText), emoji: true },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

export function actions(blockId: string, elements: Button[]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: elements.slice(0, 25) };
}

/**
 * Lines packed into as few sections as fit (3000 characters each), at most `maxSections`; what
 * does not fit is counted in a last line rather than dropped silently.
 */
export function sectionsOf(lines: string[], maxSections: number): SectionBlock[] {
  const sections: string[][] = [[]];
  let size = 0;
  let placed = 0;
  const budget = Limits.sectionText - 60; // room for the "… N more" line
  for (const line of lines) {
    const text = clip(line, budget);
    if (size + text.length + 1 > budget && sections.at(-1)!.length > 0) {
      if (sections.length === maxSections) break;
      sections.push([]);
      size = 0;
    }
    sections.at(-1)!.push(text);
    size += text.length + 1;
    placed += 1;
  }
  if (placed < lines.length) sections.at(-1)!.push(`_… and ${lines.length - placed} more not shown_`);
  return sections.filter((s) => s.length > 0).map((s) => section(s.join('\n')));
}

/**
 * The last lines of some output as a code block that fits one section, and how many lines it
 * left out. Code blocks cannot be escaped in Slack, so ``` inside output is broken up.
 */
export function outputTail(
  output: string | readonly string[],
  maxChars = Limits.sectionText - 200,
): { text: string; shown: number; total: number } {
  const lines = (typeof output === 'string' ? output.split('\n') : [...output]).map((l) =>
    escapeText(l.replace(/```/g, "'''")),
  );
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const kept: string[] = [];
  let size = 8;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = clip(lines[i]!, 500);
    if (size + line.length + 1 > maxChars) break;
    kept.unshift(line);
    size += line.length + 1;
  }
  return { text: kept.length === 0 ? '' : `\`\`\`${kept.join('\n')}\`\`\``, shown: kept.length, total: lines.length };
}

/** `4.2 s`, `3 min 5 s`, `1 h 2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** A time every reader sees in their own time zone, with a UTC fallback for clients that cannot. */
export function slackTime(date: Date): string {
  const fallback = `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The plain-text fallback Slack shows in notifications, within its limit. */
export function fallbackText(text: string): string {
  return clip(text, 3_000);
}
