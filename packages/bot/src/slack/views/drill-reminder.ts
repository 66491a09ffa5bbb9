import { ActionId, BlockId } from '../ids.js';
import { actions, button, context, escapeText, section, type Block } from './kit.js';

/** The button's value is fixed: which scenario runs is the core's choice at the click, never the payload's. */
export const DRILL_BUTTON_VALUE = 'next';

/** The quarterly reminder (§5): when the last drill was, what comes next, and the button that starts it. */
export function renderDrillReminder(event: { lastDrill: string; next: string }): { text: string; blocks: Block[] } {
  const text = `Quarterly drill (§5): the last drill was ${event.lastDrill}. Next: ${event.next}.`;
  return {
    text,
    blocks: [
      section(
        `:test_tube: *Quarterly drill* (the plan's §5: test recovery each quarter)\n` +
          `Last drill: *${escapeText(event.lastDrill)}*. Next in turn: *${escapeText(event.next)}*, ` +
          'broken on the sandbox and recovered through the same buttons as a real incident.',
      ),
      actions(BlockId.drillActions, [button('Start a drill', ActionId.startDrill, DRILL_BUTTON_VALUE, 'primary')]),
      context(
        'For a lead_operator. Or `/recio drill <scenario>`; `recio drill … --fleet staging.yml` from a terminal.',
      ),
    ],
  };
}
