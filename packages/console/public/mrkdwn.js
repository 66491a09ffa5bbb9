// Slack's mrkdwn to DOM nodes (https://api.slack.com/reference/surfaces/formatting): *bold*,
// _italic_, ~strike~, `code`, ```pre```, > quotes, <url|text>, <@U…>, <#C…>, <!here>, and the
// three escapes &amp; &lt; &gt;. Built node by node with textContent, so no string from a message
// is ever parsed as HTML.
import { el, safeUrl } from './dom.js';
import { emojify } from './emoji.js';

/**
 * @typedef {{ userName: (id: string) => string | undefined,
 *   channelName: (id: string) => string | undefined }} Directory
 */

const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// Earliest match wins; at one position, code and links come before emphasis, as in Slack, where
// nothing inside `code` or a link's URL is formatted.
const INLINE = new RegExp(
  [
    '`([^`\\n]+)`',
    '<([^<>\\n]+)>',
    '(?<![\\w*])\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?![\\w*])',
    '(?<![\\w_])_(?!\\s)([^_\\n]+?)(?<!\\s)_(?![\\w_])',
    '(?<![\\w~])~(?!\\s)([^~\\n]+?)(?<!\\s)~(?![\\w~])',
  ].join('|'),
  'g',
);

function plain(text) {
  return document.createTextNode(emojify(decode(text)));
}

/** The <…> forms: mentions, channel links, special mentions, dates, links. */
function angle(body, dir) {
  const [target, label] = splitLabel(body);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return el('span', 'mention', `@${dir.userName(id) ?? label ?? id}`);
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return el('span', 'mention channel-mention', `#${dir.channelName(id) ?? label ?? id}`);
  }
  if (target.startsWith('!')) {
    const special = target.slice(1);
    if (['here', 'channel', 'everyone'].includes(special)) return el('span', 'mention', `@${special}`);
    if (special.startsWith('subteam^')) return el('span', 'mention', label ?? `@${special.slice('subteam^'.length)}`);
    // <!date^1700000000^{date_short}|fallback>: the fallback is what a client without dates shows.
    return document.createTextNode(decode(label ?? special));
  }
  const href = safeUrl(decode(target));
  if (!href) return document.createTextNode(decode(label ?? target));
  const link = el('a', 'link', decode(label ?? target));
  link.href = href;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  return link;
}

function splitLabel(body) {
  const bar = body.indexOf('|');
  return bar < 0 ? [body, undefined] : [body.slice(0, bar), body.slice(bar + 1)];
}

/** @param {string} text @param {Directory} dir @returns {Node[]} */
export function inline(text, dir) {
  const nodes = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) nodes.push(plain(text.slice(last, m.index)));
    const [, code, link, bold, italic, strike] = m;
    if (code !== undefined) nodes.push(el('code', 'code', decode(code)));
    else if (link !== undefined) nodes.push(angle(link, dir));
    else {
      const tag = bold !== undefined ? 'b' : italic !== undefined ? 'i' : 's';
      const wrapper = el(tag);
      wrapper.append(...inline(bold ?? italic ?? strike, dir));
      nodes.push(wrapper);
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) nodes.push(plain(text.slice(last)));
  return nodes;
}

/** Lines, with runs of "> " lines gathered into one quote. */
function lines(text, dir, into) {
  const rows = text.split('\n');
  let quote;
  rows.forEach((row, i) => {
    const quoted = row.match(/^(?:>|&gt;) ?(.*)$/);
    if (quoted) {
      if (!quote) {
        quote = el('blockquote', 'quote');
        into.append(quote);
      } else quote.append(el('br'));
      quote.append(...inline(quoted[1], dir));
      return;
    }
    quote = undefined;
    into.append(...inline(row, dir));
    if (i < rows.length - 1 && !rows[i + 1].match(/^(?:>|&gt;)/)) into.append(el('br'));
  });
}

/** @param {string} text @param {Directory} dir @returns {DocumentFragment} */
export function mrkdwn(text, dir) {
  const out = document.createDocumentFragment();
  const parts = String(text ?? '').split('```');
  // An odd number of fences leaves the last one unclosed: it is shown as typed.
  if (parts.length % 2 === 0)
    parts.splice(parts.length - 2, 2, `${parts[parts.length - 2]}\`\`\`${parts[parts.length - 1]}`);
  parts.forEach((part, i) => {
    if (i % 2 === 1) out.append(el('pre', 'pre', decode(part.replace(/^\n/, '').replace(/\n$/, ''))));
    else {
      // The newlines around a fence belong to the fence (a <pre> is a block already).
      let around = part;
      if (i > 0) around = around.replace(/^\n/, '');
      if (i < parts.length - 1) around = around.replace(/\n$/, '');
      if (around !== '') lines(around, dir, out);
    }
  });
  return out;
}

/** A text object: plain_text as typed (emoji allowed), mrkdwn formatted. */
export function textObject(obj, dir) {
  if (!obj || typeof obj !== 'object') return document.createTextNode('');
  if (obj.type === 'mrkdwn') return mrkdwn(obj.text, dir);
  return document.createTextNode(obj.emoji === false ? String(obj.text ?? '') : emojify(String(obj.text ?? '')));
}
