import type { Json } from '../records.js';

/**
 * What a person's click or form entry looks like in a payload: the `actions[]` entry of a
 * block_actions payload and the typed `state.values[block_id][action_id]` objects Slack builds
 * from each element (https://api.slack.com/reference/interaction-payloads/views#view_submission).
 */
export interface Located {
  block: Json;
  element: Json;
}

/** Find the interactive element with `actionId` (and `blockId`, if given) in a blocks array. */
export function findElement(blocks: unknown[] | undefined, actionId: string, blockId?: string): Located | undefined {
  for (const raw of blocks ?? []) {
    const block = raw as Json;
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const candidates: unknown[] = [];
    if (Array.isArray(block.elements)) candidates.push(...block.elements);
    if (block.accessory) candidates.push(block.accessory);
    if (block.element) candidates.push(block.element);
    for (const el of candidates) {
      if ((el as Json).action_id === actionId) return { block, element: el as Json };
    }
  }
  return undefined;
}

/** A value as a test or the console gives it: one string, or several for multi-selects and checkboxes. */
export type InputValue = string | string[];

function optionsOf(element: Json): Json[] {
  const direct = Array.isArray(element.options) ? (element.options as Json[]) : [];
  const grouped = Array.isArray(element.option_groups)
    ? (element.option_groups as Json[]).flatMap((g) => (Array.isArray(g.options) ? (g.options as Json[]) : []))
    : [];
  return [...direct, ...grouped];
}

function option(element: Json, value: string): Json {
  const found = optionsOf(element).find((o) => o.value === value);
  if (!found) throw new Error(`Element ${String(element.action_id)} has no option with value "${value}"`);
  return found;
}

const list = (v: InputValue): string[] => (Array.isArray(v) ? v : [v]);
const one = (v: InputValue): string => (Array.isArray(v) ? (v[0] ?? '') : v);

/** What an element holds before anyone touches it (its initial_* field), as a plain value. */
export function initialValue(element: Json): InputValue | undefined {
  const pick = (o: unknown) => (typeof o === 'object' && o !== null ? String((o as Json).value) : undefined);
  if (typeof element.initial_value === 'string') return element.initial_value;
  if (element.initial_option !== undefined) return pick(element.initial_option);
  if (Array.isArray(element.initial_options)) return element.initial_options.map(pick).filter((v) => v !== undefined);
  for (const key of ['initial_user', 'initial_conversation', 'initial_channel', 'initial_date', 'initial_time']) {
    if (typeof element[key] === 'string') return element[key] as string;
  }
  for (const key of ['initial_users', 'initial_conversations', 'initial_channels']) {
    if (Array.isArray(element[key])) return (element[key] as unknown[]).map(String);
  }
  if (typeof element.initial_date_time === 'number') return String(element.initial_date_time);
  return undefined;
}

/** The typed state object Slack reports for an element holding `value`. */
export function elementState(element: Json, value: InputValue | undefined): Json {
  const type = String(element.type);
  const s: Json = { type };
  if (value === undefined) {
    if (type.endsWith('_input')) s.value = null;
    return s;
  }
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      s.value = one(value);
      break;
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
    case 'overflow':
      s.selected_option = option(element, one(value));
      break;
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      s.selected_options = list(value).map((v) => option(element, v));
      break;
    case 'users_select':
      s.selected_user = one(value);
      break;
    case 'multi_users_select':
      s.selected_users = list(value);
      break;
    case 'conversations_select':
      s.selected_conversation = one(value);
      break;
    case 'multi_conversations_select':
      s.selected_conversations = list(value);
      break;
    case 'channels_select':
      s.selected_channel = one(value);
      break;
    case 'multi_channels_select':
      s.selected_channels = list(value);
      break;
    case 'datepicker':
      s.selected_date = one(value);
      break;
    case 'timepicker':
      s.selected_time = one(value);
      break;
    case 'datetimepicker':
      s.selected_date_time = Number(one(value));
      break;
    default:
      s.value = one(value);
  }
  return s;
}

/** The `actions[]` entry for a click on (or choice in) an element. */
export function actionEntry(located: Located, actionTs: string, value?: InputValue): Json {
  const { block, element } = located;
  const base: Json = {
    action_id: element.action_id,
    block_id: block.block_id,
    type: element.type,
    action_ts: actionTs,
  };
  if (element.type === 'button') {
    return {
      ...base,
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style !== undefined ? { style: element.style } : {}),
      ...(element.url !== undefined ? { url: element.url } : {}),
    };
  }
  const state = elementState(element, value);
  delete state.type;
  return { ...base, ...state };
}

/**
 * `state.values` for every input block of a view, with `values` given per block_id (either the
 * value itself, or per action_id). Slack refuses to submit a required input left empty; a click
 * inside a modal (`requireAll: false`) reports the inputs as they are, empty ones included.
 */
export function viewStateValues(
  blocks: unknown[],
  values: Record<string, InputValue | Record<string, InputValue>>,
  { requireAll = true }: { requireAll?: boolean } = {},
): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  for (const raw of blocks) {
    const block = raw as Json;
    if (block.type !== 'input' || typeof block.element !== 'object' || block.element === null) continue;
    const element = block.element as Json;
    const blockId = String(block.block_id);
    const actionId = String(element.action_id);
    const given = values[blockId];
    const entered = given === undefined || typeof given === 'string' || Array.isArray(given) ? given : given[actionId];
    const value = entered ?? initialValue(element);
    if (requireAll && value === undefined && block.optional !== true && element.type !== 'file_input') {
      throw new Error(`Input "${blockId}" is required: Slack would not submit the form without it`);
    }
    out[blockId] = { [actionId]: elementState(element, value) };
  }
  return out;
}
