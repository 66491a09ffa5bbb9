import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DELIVERY_SCOPES, METHOD_SCOPES, readManifest, type AppManifest } from '@recio/slack-emulator/index';
import { REPO_MANIFEST, startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, slackError } from './clients.js';
import { startRecordingBot, type RecordingBot } from './recording-bot.js';

/**
 * Scopes as Slack enforces them: a call whose scope the app was not granted answers
 * `missing_scope` with `needed` and `provided`; and manifest.yml asks for exactly the scopes of the
 * Web API methods the bot's code calls — no more (least privilege), no less (a missing one would
 * fail in production, and fails here first).
 */
const BOT_SRC = resolve(import.meta.dirname, '../../packages/bot/src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every Web API method the bot's code calls, read from the code itself. */
function methodsTheBotCalls(): Set<string> {
  const methods = new Set<string>(['auth.test']); // Bolt's App calls it at start.
  const families = 'auth|chat|conversations|files|reactions|usergroups|users|views|apps|team|pins|bookmarks';
  const call = new RegExp(String.raw`\.(${families})\.([a-zA-Z]+(?:\.[a-zA-Z]+)?)\(`, 'g');
  for (const file of sourceFiles(BOT_SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(call)) methods.add(`${m[1]}.${m[2]}`);
    // @slack/web-api's upload helper makes the two files.* calls of the v2 upload flow.
    if (text.includes('filesUploadV2(')) {
      methods.add('files.getUploadURLExternal');
      methods.add('files.completeUploadExternal');
    }
  }
  return methods;
}

/** The scopes those calls need; conversations.* on any kind of channel the ops channel may be. */
function scopesTheCodeNeeds(): Set<string> {
  const needed = new Set<string>([DELIVERY_SCOPES.slashCommand, DELIVERY_SCOPES.appMention]);
  for (const method of methodsTheBotCalls()) {
    const rule = METHOD_SCOPES[method];
    if (rule === undefined) throw new Error(`the emulation has no scope rule for ${method}, which the bot calls`);
    if (Array.isArray(rule)) for (const s of rule) needed.add(s);
    else {
      // The ops channel is a public or a private channel; DMs and group DMs are never it.
      const byType = rule as Record<string, string>;
      needed.add(byType.public!);
      needed.add(byType.private!);
    }
  }
  return needed;
}

describe('manifest.yml against the code', () => {
  const manifest = readManifest(REPO_MANIFEST);

  test('grants every scope a call of the bot needs, and nothing else', () => {
    expect([...manifest.botScopes].sort()).toEqual([...scopesTheCodeNeeds()].sort());
  });

  test('the four scopes nothing uses are gone', () => {
    for (const unused of ['channels:history', 'groups:history', 'reactions:write', 'users:read'])
      expect(manifest.botScopes).not.toContain(unused);
  });

  test('manifest.http.yml asks for the same scopes, events and command; only the transport differs', () => {
    const http = readManifest(resolve(REPO_MANIFEST, '../manifest.http.yml'));
    const same = (m: AppManifest) => ({
      scopes: m.botScopes,
      events: m.botEvents,
      commands: m.commands.map((c) => ({ command: c.command, shouldEscape: c.shouldEscape })),
    });
    expect(same(http)).toEqual(same(manifest));
    expect(manifest.socketMode).toBe(true);
    expect(http.socketMode).toBe(false);
  });
});

describe('missing_scope', () => {
  let fake: SlackFake;
  let bot: RecordingBot | undefined;
  afterEach(async () => {
    await fake.close();
    await bot?.close();
    bot = undefined;
  });

  test('a call whose scope the manifest lacks fails as Slack answers it, and does nothing', async () => {
    fake = await startSlackFake({ rateLimits: { disabled: true } });
    const refused = (await slackError(botClient(fake).users.info({ user: 'U0ALICE0001' }))) as unknown as Record<
      string,
      unknown
    >;
    expect(refused).toMatchObject({ ok: false, error: 'missing_scope', needed: 'users:read' });
    expect(String(refused.provided).split(',')).toEqual(readManifest(REPO_MANIFEST).botScopes);
    const noReaction = await slackError(
      botClient(fake).reactions.add({ channel: 'C0OPS000001', timestamp: '1.000001', name: 'eyes' }),
    );
    expect(noReaction).toMatchObject({ error: 'missing_scope', needed: 'reactions:write' });
    expect(fake.state.callsTo('reactions.add')).toEqual([
      expect.objectContaining({ ok: false, error: 'missing_scope', httpStatus: 200 }),
    ]);
  });

  test('conversations.* need the scope of the conversation type; chat:write is needed to post', async () => {
    const narrow: AppManifest = { ...readManifest(REPO_MANIFEST), botScopes: ['channels:read', 'commands'] };
    fake = await startSlackFake({ rateLimits: { disabled: true }, manifest: narrow });
    expect(await botClient(fake).conversations.info({ channel: 'C0OPS000001' })).toMatchObject({ ok: true });
    expect(await slackError(botClient(fake).conversations.info({ channel: 'C0SECRET001' }))).toMatchObject({
      error: 'missing_scope',
      needed: 'groups:read',
    });
    expect(await slackError(botClient(fake).chat.postMessage({ channel: 'C0OPS000001', text: 'x' }))).toMatchObject({
      error: 'missing_scope',
      needed: 'chat:write',
    });
    expect(fake.state.messagesIn('C0OPS000001')).toEqual([]);
  });

  test('without app_mentions:read (or the event subscription) a mention reaches no app', async () => {
    bot = await startRecordingBot();
    const withoutMentions: AppManifest = {
      ...readManifest(REPO_MANIFEST),
      botScopes: readManifest(REPO_MANIFEST).botScopes.filter((s) => s !== 'app_mentions:read'),
    };
    fake = await startSlackFake({ requestUrl: bot.url, manifest: withoutMentions });
    const { deliveries } = await fake.deliver.userMessage({
      user: 'alice',
      channel: 'C0OPS000001',
      text: `<@${fake.workspace.bot.userId}> status`,
    });
    expect(deliveries).toEqual([]);
    expect(bot.received).toEqual([]);
  });

  test("a slash command the manifest does not declare is Slack's own error; nothing is delivered", async () => {
    bot = await startRecordingBot();
    fake = await startSlackFake({ requestUrl: bot.url });
    await expect(
      fake.deliver.slashCommand({ user: 'alice', channel: 'C0OPS000001', command: '/deploy', text: 'prod' }),
    ).rejects.toThrow(/not a valid command/);
    expect(bot.received).toEqual([]);
  });
});
