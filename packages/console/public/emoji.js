// Slack's emoji shortcodes (the iamcal/emoji-data names Slack itself uses), from emoji-data.json,
// which scripts/emoji-data.mjs generates from the emoji-datasource package. An unknown :code:
// stays as typed, as in Slack with a custom emoji this workspace does not have.
const EMOJI = await fetch('/console/emoji-data.json')
  .then((res) => (res.ok ? res.json() : {}))
  .catch(() => ({}));

/** Replace known :shortcodes: in plain text. */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, code) => (Object.hasOwn(EMOJI, code) ? EMOJI[code] : whole));
}
