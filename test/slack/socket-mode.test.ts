import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { count, readable, runs, until } from './helpers.js';

/**
 * The same bot over Socket Mode (SLACK_APP_TOKEN set): envelopes from the emulator's WebSocket,
 * acked by Bolt; a redelivered envelope (same envelope_id) must not run anything twice.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot({ transport: 'socket' });
});
afterAll(async () => {
  await bot?.stop();
});

const startsOf = async (name: string) =>
  (await readFile(join(bot.testHosts.db1!.supervisor.dir, 'logs', `${name}.log`), 'utf8'))
    .split('\n')
    .filter((l) => l.includes(`${name} starting`)).length;

describe('Socket Mode', () => {
  test(
    'a command arrives as an envelope, is acked, ' + 'and restarts the program; the redelivered envelope runs nothing',
    async () => {
      const starts = await startsOf('trade_executor');
      const delivery = await bot.slack.deliver.slashCommand({
        user: 'alice',
        channel: OPS,
        text: 'restart trade_executor',
      });
      expect(delivery.transport).toBe('socket');
      expect(delivery.attempts[0]?.outcome).toBe('acked');
      const again = await bot.slack.deliver.resend(delivery.id);
      expect(again.envelopeId).toBe(delivery.envelopeId);
      expect(again.attempts.map((a) => a.outcome)).toEqual(['acked', 'acked']);
      await until(async () => expect((await runs(bot)).map((r) => r.state)).toEqual(['succeeded']), {
        timeout: 30_000,
        interval: 200,
      });
      await until(() => expect(readable(bot.slack.state.messagesIn(OPS).at(-1)!)).toContain('SUCCEEDED'));
      expect(await startsOf('trade_executor')).toBe(starts + 1);
      expect(await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`)).toBe(1);
      expect(
        bot.slack.state.ephemeralsFor(PEOPLE.alice, OPS).filter((e) => readable(e).includes('Restart trade_executor')),
      ).toHaveLength(1);
    },
  );

  test('a redelivered mention event answers once', async () => {
    const mention = `<@${bot.slack.workspace.bot.userId}> status`;
    const { message, deliveries } = await bot.slack.deliver.userMessage({ user: 'bob', channel: OPS, text: mention });
    await bot.slack.deliver.resend(deliveries[0]!.id);
    await until(() => expect(bot.slack.state.repliesTo(OPS, message.ts).length).toBeGreaterThan(0));
    expect(await count(bot, `SELECT count(*) AS n FROM deliveries WHERE kind = 'event'`)).toBe(1);
    expect(
      bot.slack.state.repliesTo(OPS, message.ts).filter((m) => readable(m).includes('REC.IO status')),
    ).toHaveLength(1);
  });

  test('/healthz is served on its own port', async () => {
    const response = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    expect(response.status).toBe(200);
  });
});
