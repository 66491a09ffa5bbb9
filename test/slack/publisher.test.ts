import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { readable, runs, until } from './helpers.js';

/**
 * The publisher against Slack's limits: chat.postMessage is held to 1 call per 3 s for the whole
 * app here, so the emulator answers 429 with Retry-After; the message must still arrive. And a
 * channel the bot is not in: the post fails for good, and the person who asked hears about it.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot({ emulator: { rateLimits: { methods: { 'chat.postMessage': { perMinute: 20, burst: 1 } } } } });
});
afterAll(async () => {
  await bot?.stop();
});

describe('rate limits', () => {
  test('a 429 is waited out (Retry-After) and the run message still arrives', async () => {
    // Someone else used up the app's chat.postMessage budget a moment ago.
    const other = new WebClient(bot.slack.tokens.bot, { slackApiUrl: bot.slack.apiUrl, retryConfig: { retries: 0 } });
    await other.chat.postMessage({ channel: 'C0INCIDENT1', text: 'just before' });
    const callsBefore = bot.slack.state.callsTo('chat.postMessage').length;
    await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart trade_manager' });
    await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), {
      timeout: 30_000,
      interval: 200,
    });
    await until(() => expect(readable(bot.slack.state.messagesIn(OPS).at(-1) ?? { text: '' })).toContain('SUCCEEDED'));
    const posts = bot.slack.state.callsTo('chat.postMessage').slice(callsBefore);
    const limited = posts.find((c) => c.httpStatus === 429);
    expect(limited?.error).toBe('ratelimited');
    const delivered = posts.find((c) => c.ok && c.args.channel === OPS);
    expect(delivered!.seq).toBeGreaterThan(limited!.seq);
    expect(bot.slack.state.messagesIn(OPS)).toHaveLength(1);
  });
});

describe('a channel the bot cannot post in', () => {
  test(
    'the run still runs, its message is marked failed, ' + 'and the requester is told by direct message how to fix it',
    async () => {
      await bot.slack.deliver.slashCommand({ user: 'alice', channel: 'C0RANDOM001', text: 'restart trade_executor' });
      await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), {
        timeout: 30_000,
        interval: 200,
      });
      await until(async () =>
        expect(
          (await bot.storeDb.query(`SELECT state, error FROM outbox WHERE channel = 'C0RANDOM001' AND kind = 'post'`))
            .rows,
        ).toEqual([{ state: 'failed', error: 'not_in_channel' }]),
      );
      const dm = bot.slack.workspace.dmWith(PEOPLE.alice).id;
      await until(() =>
        expect(bot.slack.state.messagesIn(dm).map(readable).join('\n')).toMatch(
          new RegExp(
            'I could not post about your run .* in <#C0RANDOM001>: ' +
              '`not_in_channel`\\. Invite me there with `\\/invite @recio`\\.',
          ),
        ),
      );
    },
  );
});
