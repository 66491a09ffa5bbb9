import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { forged } from '../support/slack-sign.js';
import { auditRows, count, readable, runs, until } from './helpers.js';

/**
 * `/recio` and `@recio` end to end over signed HTTP: Bolt's own receiver with correctly signed
 * requests, the store on the machine's PostgreSQL, a real host (sshd + our agent + supervisord),
 * the emulator as Slack.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot?.stop();
});

const host = () => bot.testHosts.db1!;
const pidOf = async (name: string) => (await host().supervisor.program(name)).pid;
/** How many times the stand-in has started: each start writes one line to its log. */
const startsOf = async (name: string) =>
  (await readFile(join(host().supervisor.dir, 'logs', `${name}.log`), 'utf8'))
    .split('\n')
    .filter((l) => l.includes(`${name} starting`)).length;
const succeededRuns = async () => (await runs(bot)).filter((r) => r.state === 'succeeded').length;
const waitForRuns = (n: number) =>
  until(async () => expect(await succeededRuns()).toBe(n), { timeout: 30_000, interval: 200 });
const topLevel = () => bot.slack.state.messagesIn(OPS, { topLevelOnly: true });
const ephemeralTexts = (user: string) => bot.slack.state.ephemeralsFor(user, OPS).map(readable).join('\n---\n');

describe('a signed /recio restart', () => {
  test('is acked, restarts the real program (a new PID), and the run message says so', async () => {
    const before = await pidOf('trade_executor');
    const delivery = await bot.slack.deliver.slashCommand({
      user: 'alice',
      channel: OPS,
      text: 'restart trade_executor',
    });
    expect(delivery.attempts[0]).toMatchObject({ status: 200, outcome: 'acked' });
    await waitForRuns(1);
    expect(await pidOf('trade_executor')).not.toBe(before);
    expect((await host().supervisor.program('trade_executor')).state).toBe('RUNNING');
    await until(() => expect(readable(topLevel().at(-1)!)).toMatch(/SUCCEEDED/));
    const text = readable(topLevel().at(-1)!);
    expect(text).toContain('Restart trade_executor on db1');
    expect(text).toContain(`<@${PEOPLE.alice}>`);
    expect(ephemeralTexts(PEOPLE.alice)).toMatch(/Started \*Restart trade_executor on db1\*/);
    expect(await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`)).toBe(1);
  });

  test('the same body redelivered with X-Slack-Retry-Num 1..3 executes once', async () => {
    const runsBefore = (await runs(bot)).length;
    const startsBefore = await startsOf('trade_manager');
    const executedBefore = await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`);
    const first = await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart trade_manager' });
    const retries = await Promise.all([1, 2, 3].map((retryNum) => bot.slack.deliver.resend(first.id, { retryNum })));
    expect(retries.flatMap((d) => d.attempts.map((a) => [a.retryNum, a.status]))).toEqual(
      expect.arrayContaining([
        [1, 200],
        [2, 200],
        [3, 200],
      ]),
    );
    await waitForRuns(runsBefore + 1);
    // Give any wrongly started second execution the time to show itself.
    await until(async () => expect((await host().supervisor.program('trade_manager')).state).toBe('RUNNING'));
    expect((await runs(bot)).length).toBe(runsBefore + 1);
    expect(await startsOf('trade_manager')).toBe(startsBefore + 1);
    expect(await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`)).toBe(
      executedBefore + 1,
    );
    expect(
      await count(bot, `SELECT count(*) AS n FROM deliveries WHERE key = 'cmd:${String(first.payload.trigger_id)}'`),
    ).toBe(1);
    // The person hears about it once: a retry is not even answered a second time.
    expect(
      bot.slack.state
        .ephemeralsFor(PEOPLE.alice, OPS)
        .filter((e) => readable(e).includes('Restart trade_manager on db1')),
    ).toHaveLength(1);
  });

  test('forgeries get 401 and nothing runs: wrong signature, one changed byte, ±6 minutes, unsigned', async () => {
    const before = {
      pid: await pidOf('btc_price_watchdog'),
      runs: (await runs(bot)).length,
      deliveries: await count(bot, 'SELECT count(*) AS n FROM deliveries'),
      audit: await count(bot, 'SELECT count(*) AS n FROM audit_log'),
    };
    for (const tamper of [
      forged.badSignature(),
      forged.oneByteChanged(),
      forged.skewed(-360),
      forged.skewed(360),
      forged.unsigned(),
    ]) {
      const delivery = await bot.slack.deliver.slashCommand({
        user: 'alice',
        channel: OPS,
        text: 'restart btc_price_watchdog',
        tamper,
      });
      expect(delivery.attempts[0]).toMatchObject({ status: 401, outcome: 'rejected' });
    }
    expect(await pidOf('btc_price_watchdog')).toBe(before.pid);
    expect((await runs(bot)).length).toBe(before.runs);
    expect(await count(bot, 'SELECT count(*) AS n FROM deliveries')).toBe(before.deliveries);
    expect(await count(bot, 'SELECT count(*) AS n FROM audit_log')).toBe(before.audit);
    // Five minutes either way is still fine (Slack's own rule), so the 401s were about the skew.
    const within = await bot.slack.deliver.slashCommand({
      user: 'alice',
      channel: OPS,
      text: 'help',
      tamper: forged.skewed(240),
    });
    expect(within.attempts[0]).toMatchObject({ status: 200 });
  });
});

describe('refusals', () => {
  test('a user with no role gets a private denial, an audit row, and nothing runs', async () => {
    const before = { pid: await pidOf('trade_executor'), runs: (await runs(bot)).length };
    await bot.slack.deliver.slashCommand({ user: 'dave', channel: OPS, text: 'restart trade_executor' });
    await until(() =>
      expect(ephemeralTexts(PEOPLE.dave)).toMatch(
        /Not allowed: running recovery steps is for a lead_operator\. Your roles: none/,
      ),
    );
    expect(await auditRows(bot, 'request.denied')).toEqual([
      expect.objectContaining({ actor: PEOPLE.dave, target: 'restart', outcome: 'denied' }),
    ]);
    expect(await pidOf('trade_executor')).toBe(before.pid);
    expect((await runs(bot)).length).toBe(before.runs);
  });

  test('a typo is answered in the ack itself (did you mean …) and still audited', async () => {
    const delivery = await bot.slack.deliver.slashCommand({
      user: 'alice',
      channel: OPS,
      text: 'restart trade_exector',
    });
    expect(delivery.attempts[0]?.responseBody).toContain('Did you mean `trade_executor`?');
    expect(ephemeralTexts(PEOPLE.alice)).toContain('Unknown service `trade_exector`');
    await until(async () =>
      expect((await auditRows(bot, 'request.refused')).at(-1)).toMatchObject({
        actor: PEOPLE.alice,
        detail: expect.objectContaining({ reason: 'parse_error', text: 'restart trade_exector' }),
      }),
    );
  });
});

describe('answers', () => {
  test(
    '4,000 lines of output: a message within Block Kit limits, ' + 'and the full text as a file in the channel',
    async () => {
      const lines = Array.from({ length: 4000 }, (_, i) => `bulk line ${String(i).padStart(4, '0')} ${'.'.repeat(40)}`);
      await appendFile(join(host().supervisor.dir, 'logs', 'kalshi_api_watchdog.log'), `${lines.join('\n')}\n`);
      await bot.slack.deliver.slashCommand({ user: 'bob', channel: OPS, text: 'tail kalshi_api_watchdog 4000' });
      await until(() => expect(bot.slack.state.files.filter((f) => f.completed)).toHaveLength(1));
      const file = bot.slack.state.files[0]!;
      expect(file.channels).toEqual([OPS]);
      const content = file.content!.toString('utf8');
      expect(content.split('\n').filter((l) => l.startsWith('bulk line')).length).toBeGreaterThanOrEqual(3990);
      expect(content).toContain(lines.at(-1));
      const message = bot.slack.state.ephemeralsFor(PEOPLE.bob, OPS).at(-1)!;
      const sections = (message.blocks ?? []) as Array<{ type: string; text?: { text: string } }>;
      expect(sections.length).toBeLessThanOrEqual(50);
      expect(sections.every((b) => (b.text?.text.length ?? 0) <= 3000)).toBe(true);
      expect(readable(message)).toMatch(/Last \d+ of 4000 lines/);
      expect(readable(message)).toContain(lines.at(-1)!.slice(0, 20));
    },
  );

  test('/recio restart without a service offers the services in a modal; the choice restarts it', async () => {
    const before = await pidOf('active_trade_supervisor');
    const runsBefore = await succeededRuns();
    await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart' });
    await until(() => expect(bot.slack.state.openModal(PEOPLE.alice)?.view.callback_id).toBe(CallbackId.serviceModal));
    await bot.slack.deliver.submitView({ user: 'alice', values: { recio_service: 'active_trade_supervisor' } });
    await waitForRuns(runsBefore + 1);
    expect(await pidOf('active_trade_supervisor')).not.toBe(before);
  });

  test('@recio in a thread answers in that thread, and what it starts is told there', async () => {
    const parent = await bot.slack.deliver.userMessage({
      user: 'alice',
      channel: OPS,
      text: 'trade_manager looks stuck',
    });
    const mention = `<@${bot.slack.workspace.bot.userId}>`;
    await bot.slack.deliver.userMessage({
      user: 'alice',
      channel: OPS,
      threadTs: parent.message.ts,
      text: `${mention} status`,
    });
    await until(() =>
      expect(bot.slack.state.repliesTo(OPS, parent.message.ts).map(readable).join('\n')).toContain('REC.IO status'),
    );
    const runsBefore = await succeededRuns();
    const topLevelBefore = topLevel().length;
    await bot.slack.deliver.userMessage({
      user: 'alice',
      channel: OPS,
      threadTs: parent.message.ts,
      text: `${mention} restart trade_manager`,
    });
    await waitForRuns(runsBefore + 1);
    await until(() =>
      expect(bot.slack.state.repliesTo(OPS, parent.message.ts).map(readable).join('\n')).toMatch(
        /Restart trade_manager on db1[\s\S]*SUCCEEDED/,
      ),
    );
    expect(topLevel()).toHaveLength(topLevelBefore);
  });

  test('GET /healthz answers 200 while the store answers', async () => {
    const response = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe('when the bot itself fails', () => {
  // Last in the file: it closes the store under the running bot.
  test('the person is told, with a reference to find it in the log — not left with silence', async () => {
    await bot.store.close();
    await bot.slack.deliver.slashCommand({ user: 'bob', channel: OPS, text: 'status' });
    await until(() => expect(ephemeralTexts(PEOPLE.bob)).toMatch(/:warning: .*\(ref [0-9a-f]{8}\)/));
  });
});
