import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runPostKey } from '@recio/bot/runbooks/run-notices';
import { ActionId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, buttonsOf, readable, until } from './helpers.js';

/**
 * Go-ahead, Skip and Cancel on a run's live message, against the real engine and host: the button
 * carries the step (or run) id only; the core checks role and state and audits refusals.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot?.stop();
});

/** A two-step run whose first step waits for a go-ahead (the shape of provider-outage's gates). */
async function gatedRun(): Promise<{ runId: string; stepIds: string[]; ts: string }> {
  const step = (title: string, approval: 'confirm' | 'none') => ({
    title,
    host: 'db1',
    action: 'service.status',
    params: { service: 'trade_manager' },
    approval,
    idempotent: true,
    spec: { key: title, onFailure: 'stop' as const, timeoutMs: 30_000 },
  });
  const { run } = await bot.engine.start({
    scenario: 'adhoc:test',
    title: 'Check trade_manager twice',
    steps: [step('First look', 'confirm'), step('Second look', 'none')],
    requestedBy: PEOPLE.alice,
    dedupeKey: `run:${randomUUID()}`,
    channel: OPS,
  });
  await bot.engine.advance(run.id, PEOPLE.alice);
  const stepIds = (await bot.store.runs.steps(run.id)).map((s) => s.id);
  let ts = '';
  await until(async () => {
    ts = (await bot.store.outbox.getByDedupeKey(runPostKey(run.id)))?.slackTs ?? '';
    expect(buttonsOf(bot.slack.state.message(OPS, ts) ?? { blocks: [] })).toEqual([
      ActionId.confirmStep,
      ActionId.skipStep,
      ActionId.cancelRun,
    ]);
  });
  return { runId: run.id, stepIds, ts };
}

const click = (user: string, ts: string, actionId: string) =>
  bot.slack.deliver.click({ user, channel: OPS, ts, actionId });
const lastEphemeral = (user: string) => readable(bot.slack.state.ephemeralsFor(user, OPS).at(-1) ?? { text: '' });
const runState = async (id: string) => (await bot.store.runs.get(id))?.state;

describe('gated steps', () => {
  test(
    'Go-ahead: refused to a user without the role (audited), ' + 'taken from a lead_operator; the run finishes',
    async () => {
      const { runId, ts } = await gatedRun();
      await click('dave', ts, ActionId.confirmStep);
      await until(() =>
        expect(lastEphemeral(PEOPLE.dave)).toContain('Not allowed: running recovery steps is for a lead_operator'),
      );
      expect(await runState(runId)).toBe('awaiting_approval');
      await click('bob', ts, ActionId.confirmStep);
      await until(async () => expect(await runState(runId)).toBe('succeeded'));
      expect(lastEphemeral(PEOPLE.bob)).toContain('Go-ahead recorded: First look.');
      expect((await auditRows(bot, 'step.confirmed')).at(-1)).toMatchObject({ actor: PEOPLE.bob });
      await until(() => expect(readable(bot.slack.state.message(OPS, ts)!)).toContain('SUCCEEDED'));
      expect(buttonsOf(bot.slack.state.message(OPS, ts)!)).toEqual([]);
    },
  );

  test('a second Go-ahead on the same step is refused and audited (it no longer waits)', async () => {
    const { runId, ts } = await gatedRun();
    await Promise.all([click('bob', ts, ActionId.confirmStep), click('alice', ts, ActionId.confirmStep)]);
    await until(async () => expect(await runState(runId)).toBe('succeeded'));
    expect(
      (await auditRows(bot, 'step.confirmed')).filter((r) => r.actor === PEOPLE.bob || r.actor === PEOPLE.alice).length,
    ).toBeGreaterThanOrEqual(2);
    const refused = (await auditRows(bot, 'request.refused')).filter((r) => r.detail.reason === 'not_waiting');
    expect(refused).toHaveLength(1);
    expect([lastEphemeral(PEOPLE.bob), lastEphemeral(PEOPLE.alice)].join('\n')).toMatch(
      /is not waiting for a go-ahead/,
    );
  });

  test('Skip skips the gated step and the run goes on; Cancel stops a run', async () => {
    const skipped = await gatedRun();
    await click('alice', skipped.ts, ActionId.skipStep);
    await until(async () => expect(await runState(skipped.runId)).toBe('succeeded'));
    expect((await bot.store.steps.get(skipped.stepIds[0]!))?.state).toBe('skipped');
    const cancelled = await gatedRun();
    await click('alice', cancelled.ts, ActionId.cancelRun);
    await until(async () => expect(await runState(cancelled.runId)).toBe('cancelled'));
    await until(() => expect(readable(bot.slack.state.message(OPS, cancelled.ts)!)).toContain('CANCELLED'));
    expect(buttonsOf(bot.slack.state.message(OPS, cancelled.ts)!)).toEqual([]);
  });

  test('a forged step id is refused and audited; nothing moves', async () => {
    const { runId, ts } = await gatedRun();
    // The message keeps its real buttons; the forgery comes from a message with the same action id.
    const poster = new WebClient(bot.slack.tokens.bot, {
      slackApiUrl: bot.slack.apiUrl,
      retryConfig: { retries: 5, minTimeout: 100 },
    });
    const posted = await poster.chat.postMessage({
      channel: OPS,
      text: 'forged',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: ActionId.confirmStep,
              value: randomUUID(),
              text: { type: 'plain_text', text: 'Go' },
            },
          ],
        },
      ],
    });
    await click('bob', posted.ts!, ActionId.confirmStep);
    await until(() => expect(lastEphemeral(PEOPLE.bob)).toContain('That step is unknown. Nothing ran.'));
    expect((await auditRows(bot, 'request.refused')).at(-1)).toMatchObject({
      actor: PEOPLE.bob,
      detail: expect.objectContaining({ reason: 'unknown' }),
    });
    expect(await runState(runId)).toBe('awaiting_approval');
    await click('alice', ts, ActionId.cancelRun);
  });
});
