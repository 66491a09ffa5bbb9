import { describe, expect, test } from 'vitest';
import { parseCommand } from '@recio/bot/intents/parse';
import { decodeEntities, readSlackText } from '@recio/bot/intents/slack-text';
import { escapeText } from '@recio/bot/slack/views/kit';

/**
 * Slack's text read once into what the person typed (formatting reference:
 * api.slack.com/reference/surfaces/formatting), and the grammar over it.
 */
const vocabulary = { services: ['trade_executor'], hosts: ['db1'], scenarios: ['verify'] };

describe('entities', () => {
  test('&amp; &lt; &gt; are decoded once; a literal "&amp;" typed by a person survives', () => {
    expect(decodeEntities('DB &amp; API &lt;down&gt;')).toBe('DB & API <down>');
    // Typed "&lt;" arrives as "&amp;lt;": it must read back as the four characters typed.
    expect(decodeEntities('&amp;lt;')).toBe('&lt;');
  });

  test('decoded, then escaped on the way out: the same text as arrived, never twice escaped', () => {
    const arrived = 'R&amp;D &lt;b&gt; &amp;amp;';
    expect(escapeText(readSlackText(arrived))).toBe(arrived);
  });
});

describe('markup', () => {
  test.each([
    ['<@U0BOB000001|bob> broke it', '@bob broke it'],
    ['<@U0BOB000001> broke it', '@U0BOB000001 broke it'],
    ['in <#C0OPS000001|ops>', 'in #ops'],
    ['in <#C0OPS000001|>', 'in #C0OPS000001'],
    ['in <#C0OPS000001>', 'in #C0OPS000001'],
    ['ask <!subteam^S0LEADS0001|@lead-operators>', 'ask @lead-operators'],
    ['ask <!subteam^S0LEADS0001>', 'ask @S0LEADS0001'],
    ['<!here> db down', '@here db down'],
    ['since <!date^1700000000^{date_short}|Nov 14>', 'since Nov 14'],
    ['see <https://grafana.example/d/1>', 'see https://grafana.example/d/1'],
    ['see <https://grafana.example/d/1|grafana.example/d/1>', 'see https://grafana.example/d/1'],
    ['see <https://grafana.example/d/1?a=1&amp;b=2|dashboard>', 'see dashboard (https://grafana.example/d/1?a=1&b=2)'],
    ['mail <mailto:ops@rec.io|ops@rec.io>', 'mail ops@rec.io'],
  ])('%s → %s', (raw, words) => {
    expect(readSlackText(raw)).toBe(words);
  });

  test("the bot's own mentions vanish, wherever they are and however they are labelled", () => {
    const raw = '<@U0RECIOBOT1>  restart <@U0RECIOBOT1|recio> trade_executor';
    expect(readSlackText(raw, { dropUser: 'U0RECIOBOT1' })).toBe('restart trade_executor');
  });
});

describe('the grammar over Slack text', () => {
  test('incident open with a channel, a link and escaped characters: one title, in plain words', () => {
    const raw = 'incident open <#C0OPS000001|ops> slow &amp; stale, see <https://g.example/d|dashboard>';
    expect(parseCommand(readSlackText(raw), vocabulary)).toEqual({
      ok: true,
      intent: {
        kind: 'incident_open',
        title: '#ops slow & stale, see dashboard (https://g.example/d)',
        security: false,
      },
    });
  });

  test('a name in markup where a service belongs is refused, echoed escaped once', () => {
    const parsed = parseCommand(readSlackText('restart <@U0BOB000001|bob&gt;>'), vocabulary);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain('`@bob&gt;`');
  });
});
