// Block Kit layout blocks to DOM (https://api.slack.com/reference/block-kit/blocks), and the
// legacy `attachments` bots still use for a colour bar. Elements come from elements.js.
import { el, safeUrl } from './dom.js';
import { emojify } from './emoji.js';
import { mrkdwn, textObject } from './mrkdwn.js';
import { renderElement } from './elements.js';

/**
 * @typedef {import('./elements.js').ElementContext & { errors?: Record<string, string> }} BlockContext
 */

function text(obj, ctx, className) {
  const node = el('div', className);
  node.append(textObject(obj, ctx.dir));
  return node;
}

function img(url, alt, className) {
  const src = safeUrl(url, ['http:', 'https:']);
  if (!src) return el('span', 'image-alt', alt ? `[image: ${alt}]` : '[image]');
  const node = el('img', className);
  node.src = src;
  node.alt = alt ?? '';
  node.loading = 'lazy';
  return node;
}

function section(block, ctx) {
  const node = el('div', 'block section');
  const main = el('div', 'section-main');
  if (block.text) main.append(text(block.text, ctx, 'section-text'));
  if (Array.isArray(block.fields)) {
    const grid = el('div', 'fields');
    for (const f of block.fields) grid.append(text(f, ctx, 'field'));
    main.append(grid);
  }
  node.append(main);
  if (block.accessory) {
    const side = el('div', 'accessory');
    side.append(renderElement(block.accessory, block, ctx));
    node.append(side);
  }
  return node;
}

function context(block, ctx) {
  const node = el('div', 'block context');
  for (const e of block.elements ?? []) {
    node.append(e?.type === 'image' ? img(e.image_url, e.alt_text, 'context-image') : text(e, ctx, 'context-text'));
  }
  return node;
}

function imageBlock(block, ctx) {
  const node = el('figure', 'block image');
  if (block.title) node.append(text(block.title, ctx, 'image-title'));
  node.append(img(block.image_url, block.alt_text, 'block-image'));
  return node;
}

function actions(block, ctx) {
  const node = el('div', 'block actions');
  for (const e of block.elements ?? []) node.append(renderElement(e, block, ctx));
  return node;
}

function input(block, ctx) {
  const node = el('div', 'block input');
  node.dataset.blockId = String(block.block_id ?? '');
  const caption = el('label', 'input-label', emojify(String(block.label?.text ?? '')));
  if (block.optional) caption.append(el('span', 'optional', ' (optional)'));
  const control = renderElement(block.element, block, ctx, true);
  control.classList.add('input-control');
  node.append(caption, control);
  if (block.hint) node.append(text(block.hint, ctx, 'input-hint'));
  const error = ctx.errors?.[block.block_id];
  if (error) node.append(el('div', 'input-error', String(error)));
  return node;
}

/** rich_text: the text runs with their styles; enough for what bots post. */
function richRuns(elements, ctx) {
  const out = document.createDocumentFragment();
  for (const r of elements ?? []) {
    if (r.type === 'text') {
      let node = document.createTextNode(String(r.text ?? ''));
      for (const [style, tag] of [
        ['code', 'code'],
        ['bold', 'b'],
        ['italic', 'i'],
        ['strike', 's'],
      ]) {
        if (r.style?.[style]) {
          const wrap = el(tag);
          wrap.append(node);
          node = wrap;
        }
      }
      out.append(node);
    } else if (r.type === 'link') out.append(mrkdwn(`<${r.url}|${r.text ?? r.url}>`, ctx.dir));
    else if (r.type === 'user') out.append(mrkdwn(`<@${r.user_id}>`, ctx.dir));
    else if (r.type === 'channel') out.append(mrkdwn(`<#${r.channel_id}>`, ctx.dir));
    else if (r.type === 'emoji') out.append(emojify(`:${r.name}:`));
    else if (Array.isArray(r.elements)) out.append(richBlock(r, ctx));
  }
  return out;
}

function richBlock(part, ctx) {
  const tag =
    {
      rich_text_preformatted: 'pre',
      rich_text_quote: 'blockquote',
      rich_text_list: part.style === 'ordered' ? 'ol' : 'ul',
    }[part.type] ?? 'div';
  const node = el(
    tag,
    part.type === 'rich_text_preformatted' ? 'pre' : part.type === 'rich_text_quote' ? 'quote' : undefined,
  );
  if (part.type === 'rich_text_list') {
    for (const item of part.elements ?? []) {
      const li = el('li');
      li.append(richRuns(item.elements, ctx));
      node.append(li);
    }
  } else node.append(richRuns(part.elements, ctx));
  return node;
}

const RENDER = {
  header: (b, ctx) => text(b.text, ctx, 'block header'),
  section,
  divider: () => el('hr', 'block divider'),
  context,
  image: imageBlock,
  actions,
  input,
  rich_text: (b, ctx) => {
    const node = el('div', 'block rich-text');
    for (const part of b.elements ?? []) node.append(richBlock(part, ctx));
    return node;
  },
  markdown: (b) => el('div', 'block markdown', String(b.text ?? '')),
};

/** @param {any[]} blocks @param {BlockContext} ctx */
export function renderBlocks(blocks, ctx) {
  const out = document.createDocumentFragment();
  for (const block of blocks ?? []) {
    const render = RENDER[block?.type];
    const node = render ? render(block, ctx) : el('div', 'block unsupported', `[${block?.type ?? 'unknown'} block]`);
    if (block?.block_id !== undefined) node.dataset.blockId = String(block.block_id);
    out.append(node);
  }
  return out;
}

/** Legacy attachments: a colour bar with pretext, title, text, fields, footer, or blocks. */
export function renderAttachments(attachments, ctx) {
  const out = document.createDocumentFragment();
  for (const a of attachments ?? []) {
    if (a.pretext) out.append(text({ type: 'mrkdwn', text: a.pretext }, ctx, 'attachment-pretext'));
    const node = el('div', 'attachment');
    const color =
      { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' }[a.color] ??
      (/^#?[0-9a-f]{6}$/i.test(a.color ?? '') ? `#${a.color.replace('#', '')}` : '#dddddd');
    node.style.borderLeftColor = color;
    if (a.title) {
      const href = safeUrl(a.title_link, ['http:', 'https:']);
      const title = el(href ? 'a' : 'div', 'attachment-title', emojify(String(a.title)));
      if (href) Object.assign(title, { href, target: '_blank', rel: 'noopener noreferrer' });
      node.append(title);
    }
    if (a.text) node.append(text({ type: 'mrkdwn', text: a.text }, ctx, 'attachment-text'));
    if (Array.isArray(a.fields) && a.fields.length) {
      const grid = el('div', 'fields');
      for (const f of a.fields) {
        const cell = el('div', `field${f.short ? '' : ' field-wide'}`);
        cell.append(
          el('b', undefined, emojify(String(f.title ?? ''))),
          el('br'),
          mrkdwn(String(f.value ?? ''), ctx.dir),
        );
        grid.append(cell);
      }
      node.append(grid);
    }
    if (Array.isArray(a.blocks)) node.append(renderBlocks(a.blocks, ctx));
    if (a.footer) node.append(el('div', 'attachment-footer', emojify(String(a.footer))));
    out.append(node);
  }
  return out;
}
