/**
 * Text as Slack delivers it, read back into what the person typed. Slack escapes `&`, `<` and `>`
 * as `&amp;` `&lt;` `&gt;` and sends mentions, channels and links as markup: `<@U…>` or
 * `<@U…|name>`, `<#C…|name>`, `<!subteam^S…|@group>`, `<!here>`, `<https://…|label>`
 * (api.slack.com/reference/surfaces/formatting). Both slash-command and mention text go through
 * here exactly once, at the edge; what comes out is plain text, which every view escapes once on
 * the way back out — so a title is never escaped twice.
 */
const MARKUP = /<([^<>]*)>/g;

/** `&lt;` → `<`, `&gt;` → `>`, `&amp;` → `&` (the ampersand last, so `&amp;lt;` stays `&lt;`). */
export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function splitLabel(inner: string): { target: string; label: string | undefined } {
  const bar = inner.indexOf('|');
  if (bar === -1) return { target: inner, label: undefined };
  const label = decodeEntities(inner.slice(bar + 1));
  return { target: inner.slice(0, bar), label: label === '' ? undefined : label };
}

/** A link as words: the URL, or `label (url)` when the label says something the URL does not. */
function linkText(url: string, label: string | undefined): string {
  if (url.startsWith('mailto:')) return label ?? url.slice('mailto:'.length);
  if (label === undefined) return url;
  const bare = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return label === url || bare === label || bare.startsWith(label) ? url : `${label} (${url})`;
}

/** One piece of markup as the words a person would read. */
function markupText(inner: string, dropUser: string | undefined): string {
  const { target, label } = splitLabel(inner);
  const decoded = decodeEntities(target);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    if (id === dropUser) return ' ';
    return `@${label ?? id}`;
  }
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!subteam^')) return label ?? `@${target.slice('!subteam^'.length)}`;
  if (target.startsWith('!date^')) return label ?? '';
  if (target.startsWith('!')) return label ?? `@${target.slice(1)}`;
  return linkText(decoded, label);
}

/**
 * Slack's text → plain text: entities decoded once, markup turned into readable words
 * (`<#C0OPS|ops>` → `#ops`, `<@U1|bob>` → `@bob`, `<https://g.example/d|dashboard>` →
 * `dashboard (https://g.example/d)`). Mentions of `dropUser` (the bot, in an @-mention) vanish.
 * Whitespace is collapsed, as the grammar splits on it anyway.
 */
export function readSlackText(raw: string, options: { dropUser?: string | undefined } = {}): string {
  let out = '';
  let at = 0;
  for (const match of raw.matchAll(MARKUP)) {
    out += decodeEntities(raw.slice(at, match.index));
    out += markupText(match[1] ?? '', options.dropUser);
    at = match.index + match[0].length;
  }
  out += decodeEntities(raw.slice(at));
  return out.replace(/\s+/g, ' ').trim();
}
