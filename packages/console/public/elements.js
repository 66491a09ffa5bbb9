// Block Kit elements: buttons, selects, overflow menus, inputs. In a message an element acts at
// once (Slack sends block_actions on click or choice); inside a modal's input block it only holds
// a value until the modal is submitted, read back through `readValue`.
import { confirmDialog } from './confirm.js';
import { el, safeUrl } from './dom.js';
import { emojify } from './emoji.js';
import { textObject } from './mrkdwn.js';

/**
 * @typedef {{ dir: import('./mrkdwn.js').Directory, users: Array<{id:string,name:string,isBot:boolean}>,
 *   channels: Array<{id:string,name:string}>,
 *   act?: (element: any, block: any, value?: string|string[]) => Promise<unknown> }} ElementContext
 */

const readers = new WeakMap();
const writers = new WeakMap();

/** The value an input element holds now: a string, a list, or undefined when left empty. */
export function readValue(node) {
  return readers.get(node)?.();
}

/** Put a value back (Slack keeps what was typed when the app updates the modal around it). */
export function writeValue(node, value) {
  writers.get(node)?.(value);
}

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const label = (t) => emojify(String(t?.text ?? ''));
const optionsOf = (e) => [...(e.options ?? []), ...(e.option_groups ?? []).flatMap((g) => g.options ?? [])];

async function fire(ctx, element, block, value, node) {
  if (!ctx.act) return;
  if (element.confirm && !(await confirmDialog(element.confirm, ctx.dir))) return;
  node?.classList.add('busy');
  try {
    await ctx.act(element, block, value);
  } finally {
    node?.classList.remove('busy');
  }
}

function button(element, block, ctx) {
  const node = el('button', `btn${element.style ? ` btn-${element.style}` : ''}`, label(element.text));
  node.type = 'button';
  node.dataset.actionId = String(element.action_id ?? '');
  node.addEventListener('click', () => {
    const url = safeUrl(element.url, ['http:', 'https:']);
    if (url) window.open(url, '_blank', 'noopener,noreferrer');
    void fire(ctx, element, block, undefined, node);
  });
  return node;
}

function choices(element, ctx) {
  const t = String(element.type);
  if (t.includes('users')) return ctx.users.filter((u) => !u.isBot).map((u) => ({ value: u.id, text: `@${u.name}` }));
  if (t.includes('conversations') || t.includes('channels'))
    return ctx.channels.map((c) => ({ value: c.id, text: `#${c.name}` }));
  return optionsOf(element).map((o) => ({ value: String(o.value), text: label(o.text) }));
}

function initialOf(element) {
  const one =
    element.initial_option?.value ?? element.initial_user ?? element.initial_conversation ?? element.initial_channel;
  if (one !== undefined) return [String(one)];
  const many =
    element.initial_options?.map((o) => o.value) ??
    element.initial_users ??
    element.initial_conversations ??
    element.initial_channels;
  return (many ?? []).map(String);
}

function select(element, block, ctx, inInput) {
  const multi = String(element.type).startsWith('multi_');
  const node = el('select', 'select');
  node.multiple = multi;
  node.dataset.actionId = String(element.action_id ?? '');
  const initial = initialOf(element);
  if (!multi) {
    const placeholder = el('option', undefined, label(element.placeholder) || 'Select an item');
    placeholder.value = '';
    placeholder.disabled = true;
    placeholder.selected = initial.length === 0;
    node.append(placeholder);
  }
  for (const c of choices(element, ctx)) {
    const option = el('option', undefined, c.text);
    option.value = c.value;
    option.selected = initial.includes(c.value);
    node.append(option);
  }
  const read = () => {
    const picked = [...node.selectedOptions].map((o) => o.value).filter((v) => v !== '');
    return multi ? (picked.length ? picked : undefined) : picked[0];
  };
  readers.set(node, read);
  writers.set(node, (value) => {
    for (const option of node.options) option.selected = asList(value).includes(option.value);
  });
  if (!inInput) node.addEventListener('change', () => void fire(ctx, element, block, read(), node));
  return node;
}

function overflow(element, block, ctx) {
  const wrap = el('span', 'overflow');
  const toggle = el('button', 'btn btn-overflow', '⋯');
  toggle.type = 'button';
  toggle.setAttribute('aria-label', 'More actions');
  toggle.dataset.actionId = String(element.action_id ?? '');
  const menu = el('ul', 'overflow-menu');
  menu.hidden = true;
  for (const o of optionsOf(element)) {
    const item = el('li');
    const choose = el('button', 'overflow-item', label(o.text));
    choose.type = 'button';
    choose.addEventListener('click', () => {
      menu.hidden = true;
      const url = safeUrl(o.url, ['http:', 'https:']);
      if (url) window.open(url, '_blank', 'noopener,noreferrer');
      void fire(ctx, element, block, String(o.value), wrap);
    });
    item.append(choose);
    menu.append(item);
  }
  toggle.addEventListener('click', () => (menu.hidden = !menu.hidden));
  wrap.append(toggle, menu);
  return wrap;
}

function toggles(element, block, ctx, inInput, kind) {
  const node = el('div', `toggles ${kind}`);
  node.dataset.actionId = String(element.action_id ?? '');
  const initial = initialOf(element);
  const group = `${block?.block_id ?? ''}:${element.action_id ?? ''}:${Math.random().toString(36).slice(2)}`;
  for (const o of optionsOf(element)) {
    const row = el('label', 'toggle');
    const input = el('input');
    input.type = kind;
    input.name = group;
    input.value = String(o.value);
    input.checked = initial.includes(String(o.value));
    const text = el('span');
    text.append(textObject(o.text, ctx.dir));
    row.append(input, text);
    if (o.description) row.append(el('span', 'toggle-description', label(o.description)));
    node.append(row);
  }
  const read = () => {
    const picked = [...node.querySelectorAll('input:checked')].map((i) => i.value);
    return kind === 'checkbox' ? (picked.length ? picked : undefined) : picked[0];
  };
  readers.set(node, read);
  writers.set(node, (value) => {
    for (const input of node.querySelectorAll('input')) input.checked = asList(value).includes(input.value);
  });
  if (!inInput) node.addEventListener('change', () => void fire(ctx, element, block, read() ?? [], node));
  return node;
}

const INPUT_TYPES = {
  plain_text_input: 'text',
  number_input: 'number',
  email_text_input: 'email',
  url_text_input: 'url',
  datepicker: 'date',
  timepicker: 'time',
};

function field(element) {
  const multiline = element.type === 'plain_text_input' && element.multiline === true;
  const node = el(multiline ? 'textarea' : 'input', 'text-input');
  if (!multiline) node.type = INPUT_TYPES[element.type] ?? 'text';
  node.dataset.actionId = String(element.action_id ?? '');
  node.placeholder = label(element.placeholder);
  const initial = element.initial_value ?? element.initial_date ?? element.initial_time;
  if (initial !== undefined) node.value = String(initial);
  if (element.max_length) node.maxLength = Number(element.max_length);
  readers.set(node, () => (node.value.trim() === '' ? undefined : node.value));
  writers.set(node, (value) => (node.value = asList(value)[0] ?? ''));
  return node;
}

function image(element) {
  const src = safeUrl(element.image_url, ['http:', 'https:']);
  if (!src) return el('span', 'image-alt', String(element.alt_text ?? ''));
  const node = el('img', 'accessory-image');
  node.src = src;
  node.alt = String(element.alt_text ?? '');
  return node;
}

/** One element; `inInput` when it sits in a modal's input block (it then holds a value, no action). */
export function renderElement(element, block, ctx, inInput = false) {
  const type = String(element?.type ?? '');
  if (type === 'button') return button(element, block, ctx);
  if (type === 'overflow') return overflow(element, block, ctx);
  if (type === 'image') return image(element);
  if (type === 'checkboxes') return toggles(element, block, ctx, inInput, 'checkbox');
  if (type === 'radio_buttons') return toggles(element, block, ctx, inInput, 'radio');
  if (/select$/.test(type)) return select(element, block, ctx, inInput);
  if (type in INPUT_TYPES) {
    const node = field(element);
    if (!inInput) node.addEventListener('change', () => void fire(ctx, element, block, readValue(node), node));
    return node;
  }
  return el('span', 'unsupported', `[${type || 'unknown'} element]`);
}
