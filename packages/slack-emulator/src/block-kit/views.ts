import { ViewLimits } from '../limits.js';
import { validateBlocks } from './blocks.js';
import { checkBoolean, checkString, isObject, Issues } from './issues.js';
import { checkKnownFields, VIEW_FIELDS } from './known-fields.js';
import { checkTextField } from './text-objects.js';

/**
 * View payloads for views.open/push/update/publish (https://api.slack.com/reference/surfaces/views).
 * Slack answers a bad view with `invalid_arguments` and pointers under "/view".
 */
export type ViewType = 'modal' | 'home';

export function validateView(view: unknown, expected?: ViewType): string[] {
  const issues = new Issues();
  const ptr = '/view';
  if (!isObject(view)) {
    issues.add(ptr, 'must be a view object');
    return issues.messages;
  }
  const type = view.type;
  if (type !== 'modal' && type !== 'home') {
    issues.add(`${ptr}/type`, 'must be one of: modal, home');
    return issues.messages;
  }
  if (expected && type !== expected) issues.add(`${ptr}/type`, `must be ${expected}`);
  checkKnownFields(issues, view, ptr, VIEW_FIELDS[type]);
  if (type === 'modal') {
    checkTextField(issues, view, 'title', ptr, { max: ViewLimits.titleMax, plainOnly: true, required: true });
    checkTextField(issues, view, 'submit', ptr, { max: ViewLimits.submitMax, plainOnly: true });
    checkTextField(issues, view, 'close', ptr, { max: ViewLimits.closeMax, plainOnly: true });
    // "submit … Required if an input block is within the blocks array."
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
    if (hasInput && view.submit === undefined)
      issues.add(ptr, 'missing required field: submit (the view has input blocks)');
    checkBoolean(issues, view, 'clear_on_close', ptr);
    checkBoolean(issues, view, 'notify_on_close', ptr);
    checkBoolean(issues, view, 'submit_disabled', ptr);
  }
  checkString(issues, view, 'private_metadata', ptr, { max: ViewLimits.privateMetadataMax });
  checkString(issues, view, 'callback_id', ptr, { max: ViewLimits.callbackIdMax });
  checkString(issues, view, 'external_id', ptr, { max: ViewLimits.externalIdMax });
  if (view.blocks === undefined) issues.add(ptr, 'missing required field: blocks');
  else issues.messages.push(...validateBlocks(view.blocks, { surface: type, pointer: `${ptr}/blocks` }));
  return issues.messages;
}
