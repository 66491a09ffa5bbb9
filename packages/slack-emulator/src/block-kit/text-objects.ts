import { BlockKit } from '../limits.js';
import { checkArray, checkBoolean, checkEnum, checkString, isObject, type Issues, type Obj } from './issues.js';
import { checkKnownFields, COMPOSITION_FIELDS } from './known-fields.js';

/**
 * Composition objects (https://api.slack.com/reference/block-kit/composition-objects): text,
 * option, option group, confirmation dialog. A text object needs `type` (plain_text | mrkdwn) and a
 * non-empty `text`; many fields accept plain_text only.
 */
export interface TextRule {
  max: number;
  plainOnly?: boolean;
  required?: boolean;
}

export const TEXT_TYPES = ['plain_text', 'mrkdwn'] as const;

/** Validate the text object at `parent[key]`. */
export function checkTextField(issues: Issues, parent: Obj, key: string, ptr: string, rule: TextRule): void {
  const value = parent[key];
  if (value === undefined || value === null) {
    if (rule.required) issues.add(ptr, `missing required field: ${key}`);
    return;
  }
  checkTextObject(issues, value, `${ptr}/${key}`, rule);
}

export function checkTextObject(issues: Issues, value: unknown, ptr: string, rule: TextRule): void {
  if (!isObject(value)) {
    issues.add(ptr, 'must be a text object');
    return;
  }
  checkKnownFields(issues, value, ptr, COMPOSITION_FIELDS.text);
  const type = value.type;
  if (type === undefined) {
    issues.add(ptr, 'missing required field: type');
  } else if (rule.plainOnly && type !== 'plain_text') {
    issues.add(`${ptr}/type`, 'must be plain_text');
  } else if (typeof type !== 'string' || !(TEXT_TYPES as readonly string[]).includes(type)) {
    issues.add(`${ptr}/type`, `must be one of: ${TEXT_TYPES.join(', ')}`);
  }
  checkString(issues, value, 'text', ptr, { max: rule.max, min: 1, required: true });
  if (value.emoji !== undefined) {
    if (type !== 'plain_text') issues.add(`${ptr}/emoji`, 'is only allowed on plain_text');
    checkBoolean(issues, value, 'emoji', ptr);
  }
  if (value.verbatim !== undefined) {
    if (type !== 'mrkdwn') issues.add(`${ptr}/verbatim`, 'is only allowed on mrkdwn');
    checkBoolean(issues, value, 'verbatim', ptr);
  }
}

export interface OptionRule {
  /** Options of checkboxes and radio buttons may use mrkdwn; select and overflow options may not. */
  plainOnly: boolean;
  allowUrl?: boolean;
}

export function checkOption(issues: Issues, value: unknown, ptr: string, rule: OptionRule): void {
  if (!isObject(value)) {
    issues.add(ptr, 'must be an option object');
    return;
  }
  checkKnownFields(issues, value, ptr, COMPOSITION_FIELDS.option);
  checkTextField(issues, value, 'text', ptr, {
    max: BlockKit.optionTextMax,
    plainOnly: rule.plainOnly,
    required: true,
  });
  checkString(issues, value, 'value', ptr, { max: BlockKit.optionValueMax, required: true });
  checkTextField(issues, value, 'description', ptr, { max: BlockKit.optionDescriptionMax, plainOnly: rule.plainOnly });
  if (value.url !== undefined) {
    if (!rule.allowUrl) issues.add(`${ptr}/url`, 'is only allowed on overflow options');
    checkString(issues, value, 'url', ptr, { max: BlockKit.optionUrlMax });
  }
}

/** `options` (or, for selects, `option_groups`) of an element. */
export function checkOptions(
  issues: Issues,
  element: Obj,
  ptr: string,
  rule: OptionRule & { min?: number; max: number; required: boolean },
): void {
  const options = checkArray(issues, element, 'options', ptr, {
    max: rule.max,
    min: rule.min,
    required: rule.required,
  });
  for (const [i, o] of (options ?? []).entries()) checkOption(issues, o, `${ptr}/options/${i}`, rule);
}

export function checkOptionGroups(issues: Issues, element: Obj, ptr: string): void {
  const groups = checkArray(issues, element, 'option_groups', ptr, { max: BlockKit.optionGroupsMax });
  groups?.forEach((g, i) => {
    const at = `${ptr}/option_groups/${i}`;
    if (!isObject(g)) {
      issues.add(at, 'must be an option group object');
      return;
    }
    checkKnownFields(issues, g, at, COMPOSITION_FIELDS.optionGroup);
    checkTextField(issues, g, 'label', at, { max: BlockKit.optionGroupLabelMax, plainOnly: true, required: true });
    checkOptions(issues, g, at, { plainOnly: true, max: BlockKit.selectOptionsMax, required: true, min: 1 });
  });
}

export function checkConfirm(issues: Issues, parent: Obj, ptr: string): void {
  const value = parent.confirm;
  if (value === undefined) return;
  const at = `${ptr}/confirm`;
  if (!isObject(value)) {
    issues.add(at, 'must be a confirmation dialog object');
    return;
  }
  checkKnownFields(issues, value, at, COMPOSITION_FIELDS.confirm);
  checkTextField(issues, value, 'title', at, { max: BlockKit.confirmTitleMax, plainOnly: true, required: true });
  checkTextField(issues, value, 'text', at, { max: BlockKit.confirmTextMax, required: true });
  checkTextField(issues, value, 'confirm', at, { max: BlockKit.confirmButtonMax, plainOnly: true, required: true });
  checkTextField(issues, value, 'deny', at, { max: BlockKit.confirmButtonMax, plainOnly: true, required: true });
  checkEnum(issues, value, 'style', at, ['primary', 'danger']);
}

/** The option as Slack compares it: its text object and value (and description, when given). */
function optionKey(option: unknown): string {
  if (!isObject(option)) return JSON.stringify(option);
  const text = isObject(option.text) ? { type: option.text.type, text: option.text.text } : option.text;
  return JSON.stringify([text, option.value, option.description ?? null]);
}

/**
 * `initial_option` (or each of `initial_options`) "exactly matches one of the options within
 * `options` or `option_groups`" (@slack/types block-elements.ts); Slack refuses one that does not.
 */
export function checkInitialOptions(issues: Issues, element: Obj, ptr: string): void {
  const offered = new Set<string>();
  const groups = Array.isArray(element.option_groups) ? element.option_groups : [];
  for (const source of [element.options, ...groups.map((g) => (isObject(g) ? g.options : undefined))]) {
    if (Array.isArray(source)) for (const o of source) offered.add(optionKey(o));
  }
  if (element.initial_option !== undefined && !offered.has(optionKey(element.initial_option))) {
    issues.add(`${ptr}/initial_option`, 'must match one of the options exactly');
  }
  const initial = element.initial_options;
  if (initial === undefined) return;
  if (!Array.isArray(initial)) {
    issues.add(`${ptr}/initial_options`, 'must be an array');
    return;
  }
  initial.forEach((o, i) => {
    if (!offered.has(optionKey(o))) issues.add(`${ptr}/initial_options/${i}`, 'must match one of the options exactly');
  });
}
