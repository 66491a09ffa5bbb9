import { fallbackText, sectionsOf, type Block } from './kit.js';

/** `/recio help` (and any answer that is plain text): mrkdwn lines packed into sections. */
export function renderText(text: string): { text: string; blocks: Block[] } {
  return { text: fallbackText(text), blocks: sectionsOf(text.split('\n'), 45) };
}
