import type { Issues, Obj } from './issues.js';

/**
 * The properties each Block Kit object may carry. Slack's published Block Kit JSON schema sets
 * `"additionalProperties": false` on every object (api.slack.com/json-schema/block-kit), so a
 * property Slack does not know — a typo, a field of another element type — is refused with
 * `invalid_blocks` (messages) or `invalid_arguments` (views), never silently dropped. The lists
 * follow the reference pages (docs.slack.dev/reference/block-kit/…) and `@slack/types`.
 */
const SELECT_COMMON = ['action_id', 'confirm', 'focus_on_load', 'placeholder'];
const TEXT_INPUT_COMMON = ['action_id', 'initial_value', 'dispatch_action_config', 'focus_on_load', 'placeholder'];

export const BLOCK_FIELDS: Record<string, readonly string[]> = {
  section: ['text', 'fields', 'accessory', 'expand'],
  header: ['text'],
  divider: [],
  context: ['elements'],
  actions: ['elements'],
  image: ['image_url', 'slack_file', 'alt_text', 'title'],
  input: ['label', 'element', 'dispatch_action', 'hint', 'optional'],
  rich_text: ['elements'],
  markdown: ['text'],
  file: ['external_id', 'source'],
  video: [
    'alt_text',
    'author_name',
    'description',
    'provider_icon_url',
    'provider_name',
    'title',
    'title_url',
    'thumbnail_url',
    'video_url',
  ],
  table: ['rows', 'column_settings'],
};

export const ELEMENT_FIELDS: Record<string, readonly string[]> = {
  button: ['text', 'action_id', 'url', 'value', 'style', 'confirm', 'accessibility_label'],
  checkboxes: ['action_id', 'options', 'initial_options', 'confirm', 'focus_on_load'],
  radio_buttons: ['action_id', 'options', 'initial_option', 'confirm', 'focus_on_load'],
  overflow: ['action_id', 'options', 'confirm'],
  static_select: [...SELECT_COMMON, 'options', 'option_groups', 'initial_option'],
  multi_static_select: [...SELECT_COMMON, 'options', 'option_groups', 'initial_options', 'max_selected_items'],
  external_select: [...SELECT_COMMON, 'initial_option', 'min_query_length'],
  multi_external_select: [...SELECT_COMMON, 'initial_options', 'min_query_length', 'max_selected_items'],
  users_select: [...SELECT_COMMON, 'initial_user'],
  multi_users_select: [...SELECT_COMMON, 'initial_users', 'max_selected_items'],
  conversations_select: [
    ...SELECT_COMMON,
    'initial_conversation',
    'default_to_current_conversation',
    'response_url_enabled',
    'filter',
  ],
  multi_conversations_select: [
    ...SELECT_COMMON,
    'initial_conversations',
    'default_to_current_conversation',
    'max_selected_items',
    'filter',
  ],
  channels_select: [...SELECT_COMMON, 'initial_channel', 'response_url_enabled'],
  multi_channels_select: [...SELECT_COMMON, 'initial_channels', 'max_selected_items'],
  datepicker: ['action_id', 'initial_date', 'confirm', 'focus_on_load', 'placeholder'],
  timepicker: ['action_id', 'initial_time', 'confirm', 'focus_on_load', 'placeholder', 'timezone'],
  datetimepicker: ['action_id', 'initial_date_time', 'confirm', 'focus_on_load'],
  plain_text_input: [...TEXT_INPUT_COMMON, 'multiline', 'min_length', 'max_length'],
  email_text_input: TEXT_INPUT_COMMON,
  url_text_input: TEXT_INPUT_COMMON,
  number_input: [...TEXT_INPUT_COMMON, 'is_decimal_allowed', 'min_value', 'max_value'],
  rich_text_input: TEXT_INPUT_COMMON,
  file_input: ['action_id', 'filetypes', 'max_files'],
  image: ['image_url', 'slack_file', 'alt_text'],
  workflow_button: ['text', 'workflow', 'action_id', 'style', 'accessibility_label'],
};

/** Composition objects (docs.slack.dev/reference/block-kit/composition-objects). */
export const COMPOSITION_FIELDS = {
  text: ['type', 'text', 'emoji', 'verbatim'],
  option: ['text', 'value', 'description', 'url'],
  optionGroup: ['label', 'options'],
  confirm: ['title', 'text', 'confirm', 'deny', 'style'],
} as const satisfies Record<string, readonly string[]>;

/** Views (docs.slack.dev/reference/views/modal-views, …/home-tab-views). */
export const VIEW_FIELDS: Record<'modal' | 'home', readonly string[]> = {
  modal: [
    'type',
    'title',
    'blocks',
    'close',
    'submit',
    'private_metadata',
    'callback_id',
    'clear_on_close',
    'notify_on_close',
    'external_id',
    'submit_disabled',
  ],
  home: ['type', 'blocks', 'private_metadata', 'callback_id', 'external_id'],
};

/** Reports every key of `obj` that is neither `type`, `block_id` (blocks only) nor in `allowed`. */
export function checkKnownFields(
  issues: Issues,
  obj: Obj,
  ptr: string,
  allowed: readonly string[],
  extra: readonly string[] = [],
): void {
  for (const [key, value] of Object.entries(obj)) {
    // What JSON cannot carry, Slack never sees.
    if (value === undefined) continue;
    if (key === 'type' || allowed.includes(key) || extra.includes(key)) continue;
    issues.add(`${ptr}/${key}`, `failed to match all allowed schemas (unknown property "${key}")`);
  }
}
