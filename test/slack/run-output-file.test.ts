import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runPostKey } from '@recio/bot/runbooks/run-notices';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { readable, until } from './helpers.js';

/**
 * A step whose output is longer than a message can show: the run message shows its end with a
 * note naming the file, and the whole output goes up as that file in the run's thread — once,
 * from the step's stored result. Here db.status's status command prints 3,000 lines (a real
 * program on a real host); a short output uploads nothing.
 */
const LINES = 3_000;
let bot: BotHarness;
let recio: TestDatabase;

beforeAll(async () => {
  recio = await createTestDatabase('recio_app');
  bot = await startBot({
    fleet: [{ name: 'db1', host: { agentConfig: { db: { status: ['seq', '1', String(LINES)], psql: recio.psql } } } }],
  });
}, 180_000);
afterAll(async () => {
  await bot?.stop();
  await recio?.drop();
});

/** A one-step run of a read-only action, told in the ops channel like any other. */
async function runOneStep(key: string, action: 'db.status' | 'service.status') {
  const { run } = await bot.engine.start({
    scenario: `adhoc:${action}`,
    title: `Read ${action}`,
    steps: [
      {
        title: `Read ${action}`,
        host: 'db1',
        action,
        params: {},
        approval: 'none',
        idempotent: true,
        spec: { key: 'read', onFailure: 'stop', timeoutMs: 30_000 },
      },
    ],
    requestedBy: PEOPLE.bob,
    dedupeKey: key,
    channel: OPS,
  });
  return bot.engine.advance(run.id, PEOPLE.bob);
}

describe('a step output over the message limit', () => {
  test(
    'the message shows its end and names the file; ' + "the whole output is that file in the run's thread, once",
    async () => {
      const run = await runOneStep('long-output', 'db.status');
      expect(run.state).toBe('succeeded');
      const [step] = await bot.store.runs.steps(run.id);
      const numbers = Array.from({ length: LINES }, (_, i) => String(i + 1));
      // The status command's 3,000 lines, then psql's answer to SELECT 1.
      expect((step!.result as { output: string }).output.split('\n').slice(0, LINES)).toEqual(numbers);
      const filename = `run-${run.id.slice(0, 8)}-step-1.log`;
      await until(() => expect(bot.slack.state.files.find((f) => f.filename === filename)?.completed).toBe(true));
      const post = await bot.store.outbox.getByDedupeKey(runPostKey(run.id));
      const file = bot.slack.state.files.find((f) => f.filename === filename)!;
      expect(file.channels).toEqual([OPS]);
      expect(file.threadTs).toBe(post!.slackTs);
      const content = file.content!.toString('utf8');
      expect(content).toBe((step!.result as { output: string }).output);
      expect(content.split('\n').slice(0, LINES)).toEqual(numbers);
      await until(() =>
        expect(readable(bot.slack.state.message(OPS, post!.slackTs!)!)).toContain(
          `the whole output is the file \`${filename}\` in the thread`,
        ),
      );
      expect(readable(bot.slack.state.message(OPS, post!.slackTs!)!)).toContain(String(LINES));
      await bot.publisher.drain();
      expect(bot.slack.state.files.filter((f) => f.filename === filename)).toHaveLength(1);
    },
  );

  test('a short output stays in the message and uploads nothing', async () => {
    const before = bot.slack.state.files.length;
    const run = await runOneStep('short-output', 'service.status');
    const [step] = await bot.store.runs.steps(run.id);
    expect(step!.state).toBe('succeeded');
    await until(async () =>
      expect((await bot.store.outbox.getByDedupeKey(`run:${run.id}:finished:succeeded`))?.state).toBe('sent'),
    );
    expect(bot.slack.state.files.length).toBe(before);
    expect(await bot.store.outbox.getByDedupeKey(`run:${run.id}:step:0:output:${step!.attempt}`)).toBeUndefined();
  });
});
