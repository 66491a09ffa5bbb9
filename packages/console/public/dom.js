// Small DOM helpers. Text always goes in through textContent, never innerHTML: everything the page
// shows comes from the bot and, through it, from hosts and other users.

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} [className] @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A URL the page may link to or load: absolute http(s) and mailto only — never javascript: or
 * data:, and never a relative path, which would point into the console itself.
 */
export function safeUrl(raw, schemes = ['http:', 'https:', 'mailto:']) {
  if (typeof raw !== 'string') return undefined;
  try {
    const url = new URL(raw);
    return schemes.includes(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Slack message timestamps are epoch seconds with micro-seconds after the dot. */
export function clockTime(ts) {
  const date = new Date(Number(String(ts).split('.')[0]) * 1000);
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function compareTs(a, b) {
  const [as, au = ''] = String(a).split('.');
  const [bs, bu = ''] = String(b).split('.');
  return Number(as) - Number(bs) || Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}
