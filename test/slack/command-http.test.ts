import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, count, readable, runs } from './helpers.js';

/**
 * `/recio restart trade_executor` end to end over signed HTTP: Bolt's own receiver, the store on
 * the machine's PostgreSQL, a real host (sshd + our agent + supervisord), the emulator as Slack.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot?.stop();
});

const pidOf = async (name: string) => (await bot.testHosts.db1!.supervisor.program(name)).pid;

describe('a signed /recio restart', () => {
  test('is acked at once, restarts the real program (a new PID), and the run message says so', async () => {
    const before = await pidOf('trade_executor');
    const delivery = await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart trade_executor' });
    expect(delivery.attempts[0]).toMatchObject({ status: 200, outcome: 'acked' });
    await vi.waitFor(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), { timeout: 30_000, interval: 200 });
    const after = await pidOf('trade_executor');
    expect(after).not.toBe(before);
    expect((await bot.testHosts.db1!.supervisor.program('trade_executor')).state).toBe('RUNNING');
    await vi.waitFor(() => {
      const message = bot.slack.state.messagesIn(OPS, { topLevelOnly: true }).at(-1);
      expect(message && readable(message)).toMatch(/SUCCEEDED/);
    }, { timeout: 10_000 });
    const text = readable(bot.slack.state.messagesIn(OPS, { topLevelOnly: true }).at(-1)!);
    expect(text).toContain('Restart trade_executor on db1');
    expect(text).toContain(`<@${PEOPLE.alice}>`);
    expect(await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`)).toBe(1);
    // The person who asked was told, privately, that it started.
    expect(bot.slack.state.ephemeralsFor(PEOPLE.alice, OPS).map(readable).join('\n')).toMatch(/Started \*Restart trade_executor on db1\*/);
    expect((await auditRows(bot, 'run.requested'))[0]).toMatchObject({ actor: PEOPLE.alice });
  });
});
