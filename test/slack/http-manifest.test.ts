import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readManifest } from '@recio/slack-emulator/index';
import { ActionId } from '@recio/bot/slack/ids';
import { OPS, startBot, type BotHarness } from '../support/bot-harness.js';
import { REPO_MANIFEST } from '../support/slack-fake.js';
import { buttonsOf, readable, until } from './helpers.js';

/**
 * HTTP mode end to end with manifest.http.yml: Slack sends commands, clicks and events to the
 * Request URLs the manifest names (its public origin replaced by the bot on loopback), signed, to
 * Bolt's own HTTP receiver — and the URL check Slack makes when the manifest is saved passes.
 */
const HTTP_MANIFEST = resolve(REPO_MANIFEST, '../manifest.http.yml');
const manifest = readManifest(HTTP_MANIFEST);
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot({ transport: 'http', emulator: { manifest } });
  // Only the manifest's URLs: nothing reaches the bot by the harness's default Request URL.
  bot.slack.setRequestUrl('');
  bot.slack.useManifestUrls(`http://127.0.0.1:${bot.port}`);
});
afterAll(async () => {
  await bot?.stop();
});

describe('manifest.http.yml', () => {
  test('names one Request URL, the path the bot serves, for commands, interactivity and events', () => {
    const urls = [manifest.commands[0]?.url, manifest.interactivityUrl, manifest.eventsUrl];
    expect(urls.every((u) => u !== undefined && new URL(u).pathname === '/slack/events')).toBe(true);
    expect(urls.every((u) => u?.startsWith('https://'))).toBe(true);
    expect(manifest.socketMode).toBe(false);
  });

  test("Slack's url_verification of the events URL gets its challenge back", async () => {
    const check = await bot.slack.deliver.urlVerification('recio-challenge-3f9a');
    expect(check.attempts.at(-1)).toMatchObject({ outcome: 'acked', status: 200 });
    expect(check.attempts.at(-1)?.responseBody).toContain('recio-challenge-3f9a');
  });

  test('a command, a click and a mention each arrive over signed HTTP at their URL and are answered', async () => {
    const command = await bot.slack.deliver.slashCommand({
      user: 'alice',
      channel: OPS,
      text: 'incident open HTTP mode check',
    });
    expect(command).toMatchObject({ transport: 'http' });
    expect(command.attempts.at(-1)).toMatchObject({ outcome: 'acked', status: 200 });
    const parent = () => bot.slack.state.messagesIn(OPS).find((m) => readable(m).includes('HTTP mode check'));
    await until(() => expect(buttonsOf(parent()!)).toContain(ActionId.ackIncident));

    const click = await bot.slack.deliver.click({
      user: 'alice',
      channel: OPS,
      ts: parent()!.ts,
      actionId: ActionId.ackIncident,
    });
    expect(click.attempts.at(-1)).toMatchObject({ outcome: 'acked', status: 200 });
    await until(() => expect(readable(parent()!)).toMatch(/Acknowledged by <@U0ALICE0001>/));

    const { message, deliveries } = await bot.slack.deliver.userMessage({
      user: 'bob',
      channel: OPS,
      text: `<@${bot.slack.workspace.bot.userId}> help`,
    });
    expect(deliveries.map((d) => [d.transport, d.attempts.at(-1)?.status])).toEqual([['http', 200]]);
    await until(() => expect(bot.slack.state.repliesTo(OPS, message.ts).map(readable).join('\n')).toContain('/recio'));
  });
});
