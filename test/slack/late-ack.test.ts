import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, buttonsOf, count, readable, runs, until } from './helpers.js';

/**
 * A submission the bot acknowledges after Slack's 3 s (a slow store on a loaded machine): Slack has
 * already shown the person an error and Bolt's receiver has answered for it, so the bot's own ack
 * comes too late. What the person asked for must still be done once and told, not lost with the ack.
 *
 * The store is made slow for real: another session holds an ACCESS EXCLUSIVE lock on `approvals`,
 * so the read the bot does before its ack (the typed name is checked against the step) waits.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot({
    releases: [{ tag: 'v1.0.0' }, { tag: 'v1.1.0' }],
    roles: { lead_operator: ['S0LEADS0001', PEOPLE.bob, PEOPLE.carol], system_architect: [], security_officer: [] },
  });
});
afterAll(async () => {
  await bot?.stop();
});

const pending = () =>
  bot.slack.state.messages.filter(
    (m) =>
      m.channel === OPS &&
      !m.deleted &&
      buttonsOf(m).includes(ActionId.approve) &&
      readable(m).includes('deploy.rollback'),
  );

async function askForRollback(tag: string): Promise<MessageRecord> {
  const before = pending().length;
  await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: `rollback ${tag}` });
  await until(() => expect(pending().length).toBe(before + 1), { interval: 100 });
  return pending().at(-1)!;
}

/**
 * Holds `approvals` locked (ACCESS EXCLUSIVE: even a plain read waits) until `release()`. While it
 * is held, the bot's pre-ack read cannot finish, so what answers the submission is Bolt's receiver,
 * when its 3-s no-ack timer fires: the emulator's request returns then.
 */
async function lockApprovals(): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: bot.storeDb.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE approvals IN ACCESS EXCLUSIVE MODE');
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Submits the open modal while the store is locked; returns once Slack has its (late) answer. */
async function submitWhileLocked(user: string, typed: string) {
  const lock = await lockApprovals();
  try {
    return await bot.slack.deliver.submitView({ user, values: { [BlockId.typedName]: typed } });
  } finally {
    await lock.release();
  }
}

describe('a submission acknowledged after Slack stopped waiting', () => {
  test('the typed approval is still recorded once, the rollback runs, and the approver is told', async () => {
    const message = await askForRollback('v1.0.0');
    await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: message.ts, actionId: ActionId.approve });
    await until(() =>
      expect(bot.slack.state.openModal(PEOPLE.bob)?.view.callback_id).toBe(CallbackId.confirmApprovalModal),
    );
    const delivery = await submitWhileLocked('bob', 'v1.0.0');
    expect(delivery.attempts[0]?.outcome).toBe('timed_out');

    await until(
      async () =>
        expect((await auditRows(bot, 'approval.decided')).map((r) => [r.actor, r.outcome])).toEqual([
          [PEOPLE.bob, 'approved'],
        ]),
      { timeout: 30_000 },
    );
    await until(() =>
      expect(bot.slack.state.ephemeralsFor(PEOPLE.bob, OPS).map(readable).join('\n')).toContain('Approved: '),
    );
    await until(() =>
      expect(readable(bot.slack.state.message(OPS, message.ts)!)).toContain(`Approved by <@${PEOPLE.bob}>`),
    );
    await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), {
      timeout: 60_000,
      interval: 250,
    });

    // Slack left the modal open with its error; Bob submits it again. Same view, same delivery key: nothing twice.
    expect(bot.slack.state.openModal(PEOPLE.bob)?.view.callback_id).toBe(CallbackId.confirmApprovalModal);
    const refusedBefore = (await auditRows(bot, 'request.refused')).length;
    const again = await bot.slack.deliver.submitView({ user: 'bob', values: { [BlockId.typedName]: 'v1.0.0' } });
    expect(again.attempts[0]?.outcome).toBe('acked');
    expect(bot.slack.state.openModal(PEOPLE.bob)).toBeUndefined();
    expect(await auditRows(bot, 'approval.decided')).toHaveLength(1);
    expect(await auditRows(bot, 'request.refused')).toHaveLength(refusedBefore);
    expect(
      await count(
        bot,
        `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed' AND target = 'db1/deploy.rollback'`,
      ),
    ).toBe(1);
  });

  test('a wrong name typed while the bot was slow: nothing recorded, the approver told why privately', async () => {
    const message = await askForRollback('v1.1.0');
    await bot.slack.deliver.click({ user: 'carol', channel: OPS, ts: message.ts, actionId: ActionId.approve });
    await until(() =>
      expect(bot.slack.state.openModal(PEOPLE.carol)?.view.callback_id).toBe(CallbackId.confirmApprovalModal),
    );
    const decidedBefore = (await auditRows(bot, 'approval.decided')).length;
    const delivery = await submitWhileLocked('carol', 'v9.9.9');
    expect(delivery.attempts[0]?.outcome).toBe('timed_out');
    await until(() =>
      expect(bot.slack.state.ephemeralsFor(PEOPLE.carol, OPS).map(readable).join('\n')).toContain(
        'Type `v1.1.0` exactly',
      ),
    );
    expect(await auditRows(bot, 'approval.decided')).toHaveLength(decidedBefore);
    expect(buttonsOf(bot.slack.state.message(OPS, message.ts)!)).toContain(ActionId.approve);
  });
});
