import { BlockKit } from '../limits.js';
import { checkBoolean, checkEnum, checkString, isObject, type Issues, type Obj } from './issues.js';
import { checkKnownFields, ELEMENT_FIELDS } from './known-fields.js';
import { checkConfirm, checkInitialOptions, checkOptionGroups, checkOptions, checkTextField } from './text-objects.js';

/**
 * Block elements (https://api.slack.com/reference/block-kit/block-elements). Each validator checks
 * one element type's own fields; where an element may appear is decided by the block holding it.
 */
export type Surface = 'message' | 'modal' | 'home';

export interface ElementContext {
  surface: Surface;
  /**
   * action_ids already used in the containing block ("Should be unique among all other action_ids in
   * the containing block").
   */
  actionIds: Set<string>;
}

type ElementCheck = (issues: Issues, el: Obj, ptr: string, ctx: ElementContext) => void;

const placeholder: ElementCheck = (issues, el, ptr) =>
  checkTextField(issues, el, 'placeholder', ptr, { max: BlockKit.placeholderMax, plainOnly: true });

const staticSelect: ElementCheck = (issues, el, ptr, ctx) => {
  placeholder(issues, el, ptr, ctx);
  if (el.options === undefined && el.option_groups === undefined) {
    issues.add(ptr, 'must provide either options or option_groups');
  }
  if (el.options !== undefined && el.option_groups !== undefined) {
    issues.add(ptr, 'must provide only one of options or option_groups');
  }
  checkOptions(issues, el, ptr, { plainOnly: true, max: BlockKit.selectOptionsMax, required: false });
  checkOptionGroups(issues, el, ptr);
  checkInitialOptions(issues, el, ptr);
};

const multi =
  (single: ElementCheck): ElementCheck =>
  (issues, el, ptr, ctx) => {
    single(issues, el, ptr, ctx);
    if (
      el.max_selected_items !== undefined &&
      !(Number.isInteger(el.max_selected_items) && Number(el.max_selected_items) >= 1)
    ) {
      issues.add(`${ptr}/max_selected_items`, 'must be an integer of at least 1');
    }
  };

const pattern =
  (key: string, re: RegExp, what: string): ElementCheck =>
  (issues, el, ptr) => {
    const value = el[key];
    if (value !== undefined && (typeof value !== 'string' || !re.test(value)))
      issues.add(`${ptr}/${key}`, `must be ${what}`);
  };

export const ELEMENT_CHECKS: Record<string, ElementCheck> = {
  button(issues, el, ptr) {
    checkTextField(issues, el, 'text', ptr, { max: BlockKit.buttonTextMax, plainOnly: true, required: true });
    checkString(issues, el, 'value', ptr, { max: BlockKit.buttonValueMax });
    checkString(issues, el, 'url', ptr, { max: BlockKit.buttonUrlMax });
    checkString(issues, el, 'accessibility_label', ptr, { max: BlockKit.accessibilityLabelMax });
    checkEnum(issues, el, 'style', ptr, ['primary', 'danger']);
    checkConfirm(issues, el, ptr);
  },
  checkboxes(issues, el, ptr) {
    checkOptions(issues, el, ptr, { plainOnly: false, max: BlockKit.checkboxOptionsMax, min: 1, required: true });
    checkInitialOptions(issues, el, ptr);
    checkConfirm(issues, el, ptr);
  },
  radio_buttons(issues, el, ptr) {
    checkOptions(issues, el, ptr, { plainOnly: false, max: BlockKit.radioOptionsMax, min: 1, required: true });
    checkInitialOptions(issues, el, ptr);
    checkConfirm(issues, el, ptr);
  },
  overflow(issues, el, ptr) {
    checkOptions(issues, el, ptr, {
      plainOnly: true,
      allowUrl: true,
      min: BlockKit.overflowOptionsMin,
      max: BlockKit.overflowOptionsMax,
      required: true,
    });
    checkConfirm(issues, el, ptr);
  },
  static_select: staticSelect,
  multi_static_select: multi(staticSelect),
  external_select: placeholder,
  multi_external_select: multi(placeholder),
  users_select: placeholder,
  multi_users_select: multi(placeholder),
  conversations_select: placeholder,
  multi_conversations_select: multi(placeholder),
  channels_select: placeholder,
  multi_channels_select: multi(placeholder),
  datepicker(issues, el, ptr, ctx) {
    placeholder(issues, el, ptr, ctx);
    pattern('initial_date', /^\d{4}-\d{2}-\d{2}$/, 'a date formatted YYYY-MM-DD')(issues, el, ptr, ctx);
  },
  timepicker(issues, el, ptr, ctx) {
    placeholder(issues, el, ptr, ctx);
    pattern('initial_time', /^([01]\d|2[0-3]):[0-5]\d$/, 'a time formatted HH:mm')(issues, el, ptr, ctx);
  },
  datetimepicker(issues, el, ptr) {
    if (el.initial_date_time !== undefined && !Number.isInteger(el.initial_date_time)) {
      issues.add(`${ptr}/initial_date_time`, 'must be a UNIX timestamp in seconds');
    }
  },
  plain_text_input(issues, el, ptr, ctx) {
    placeholder(issues, el, ptr, ctx);
    checkString(issues, el, 'initial_value', ptr, { max: BlockKit.plainTextInputLengthMax });
    checkBoolean(issues, el, 'multiline', ptr);
    // min_length: "between 0 and 3000, inclusive"; max_length: "between 1 and 3000, inclusive".
    const bounds = { min_length: 0, max_length: BlockKit.plainTextInputMaxLengthMin };
    for (const [key, least] of Object.entries(bounds)) {
      const v = el[key];
      const most = BlockKit.plainTextInputLengthMax;
      if (v !== undefined && !(Number.isInteger(v) && Number(v) >= least && Number(v) <= most)) {
        issues.add(`${ptr}/${key}`, `must be an integer between ${least} and ${most}`);
      }
    }
  },
  email_text_input: placeholder,
  url_text_input: placeholder,
  number_input(issues, el, ptr, ctx) {
    placeholder(issues, el, ptr, ctx);
    if (typeof el.is_decimal_allowed !== 'boolean') issues.add(ptr, 'missing required field: is_decimal_allowed');
  },
  rich_text_input: placeholder,
  file_input(issues, _el, ptr, ctx) {
    if (ctx.surface !== 'modal') issues.add(ptr, 'file_input is only available in modals');
  },
  image(issues, el, ptr) {
    if (el.image_url === undefined && el.slack_file === undefined)
      issues.add(ptr, 'must provide either image_url or slack_file');
    checkString(issues, el, 'image_url', ptr, { max: BlockKit.imageUrlMax });
    checkString(issues, el, 'alt_text', ptr, { max: BlockKit.imageAltTextMax, required: true });
  },
  workflow_button(issues, el, ptr) {
    checkTextField(issues, el, 'text', ptr, { max: BlockKit.buttonTextMax, plainOnly: true, required: true });
    if (!isObject(el.workflow)) issues.add(ptr, 'missing required field: workflow');
  },
};

/** Elements that carry an action_id (everything interactive; the image element does not). */
const NOT_ACTIONABLE = new Set(['image']);

/**
 * Validate one element that must be one of `allowed` (the containing block's list).
 */
export function checkElement(
  issues: Issues,
  value: unknown,
  ptr: string,
  allowed: readonly string[],
  ctx: ElementContext,
): void {
  if (!isObject(value)) {
    issues.add(ptr, 'must be an element object');
    return;
  }
  const type = value.type;
  if (typeof type !== 'string') {
    issues.add(ptr, 'missing required field: type');
    return;
  }
  const check = ELEMENT_CHECKS[type];
  if (!check || !allowed.includes(type)) {
    issues.add(ptr, `failed to match all allowed schemas (element type "${type}" is not allowed here)`);
    return;
  }
  checkKnownFields(issues, value, ptr, ELEMENT_FIELDS[type] ?? []);
  if (!NOT_ACTIONABLE.has(type)) {
    checkString(issues, value, 'action_id', ptr, { max: BlockKit.actionIdMax, min: 1 });
    const actionId = value.action_id;
    if (typeof actionId === 'string') {
      if (ctx.actionIds.has(actionId)) issues.add(`${ptr}/action_id`, `duplicate action_id "${actionId}" in block`);
      ctx.actionIds.add(actionId);
    }
  }
  check(issues, value, ptr, ctx);
}
