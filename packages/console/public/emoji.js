// The shortcodes a chat-ops bot tends to use; any other :code: stays as typed, as in Slack
// with an unknown custom emoji.
const EMOJI = {
  white_check_mark: '✅', heavy_check_mark: '✔️', ballot_box_with_check: '☑️', x: '❌', negative_squared_cross_mark: '❎',
  warning: '⚠️', rotating_light: '🚨', fire: '🔥', no_entry: '⛔', stop_sign: '🛑', skull: '💀',
  hourglass: '⌛', hourglass_flowing_sand: '⏳', stopwatch: '⏱️', clock1: '🕐', alarm_clock: '⏰',
  large_green_circle: '🟢', red_circle: '🔴', large_yellow_circle: '🟡', large_blue_circle: '🔵', white_circle: '⚪', black_circle: '⚫',
  white_large_square: '⬜', black_large_square: '⬛', small_blue_diamond: '🔹', small_orange_diamond: '🔸',
  arrows_counterclockwise: '🔄', repeat: '🔁', arrow_right: '➡️', point_right: '👉', leftwards_arrow_with_hook: '↩️', rewind: '⏪',
  information_source: 'ℹ️', question: '❓', exclamation: '❗', bulb: '💡', eyes: '👀', mag: '🔍',
  lock: '🔒', unlock: '🔓', key: '🔑', shield: '🛡️', closed_lock_with_key: '🔐',
  wrench: '🔧', hammer_and_wrench: '🛠️', gear: '⚙️', construction: '🚧', rocket: '🚀', package: '📦',
  clipboard: '📋', memo: '📝', page_facing_up: '📄', floppy_disk: '💾', card_file_box: '🗃️', file_folder: '📁',
  chart_with_upwards_trend: '📈', bar_chart: '📊', database: '🗄️', computer: '💻', desktop_computer: '🖥️',
  tada: '🎉', thumbsup: '👍', '+1': '👍', thumbsdown: '👎', '-1': '👎', raised_hands: '🙌', green_heart: '💚',
  heavy_minus_sign: '➖', heavy_plus_sign: '➕', zzz: '💤', sos: '🆘', bell: '🔔', no_bell: '🔕', speech_balloon: '💬',
};

/** Replace known :shortcodes: in plain text. */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, code) => EMOJI[code] ?? whole);
}
