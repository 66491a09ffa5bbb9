import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { ActionId, CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, buttonsOf, count, readable, runs, until } from './helpers.js';

/**
 * Approvals that expire: a click after the expiry is refused (and audited) and nothing runs; the
 * message says "expired" and loses its buttons; the run stops. Approvals here live 5 s, and the
 * publisher's own expiry sweep is kept out of the way so each path is seen on its own.
 */
const TTL_MS = 5_000;
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot({
    releases: [{ tag: 'v1.0.0' }, { tag: 'v1.1.0' }],
    approvalTtlMs: TTL_MS,
    expirySweepMs: 3_600_000,
  });
});
afterAll(async () => {
  await bot?.stop();
});

const pending = () =>
  bot.slack.state.messages.filter((m) => m.channel === OPS && buttonsOf(m).includes(ActionId.approve));

async function askForRollback(): Promise<MessageRecord> {
  const before = pending().length;
  await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'rollback v1.0.0' });
  await until(() => expect(pending().length).toBe(before + 1), { interval: 100 });
  return pending().at(-1)!;
}

async function waitPastExpiry(): Promise<void> {
  const latest = (await bot.storeDb.query(`SELECT max(expires_at) AS at FROM approvals`)).rows[0].at as Date;
  await sleep(Math.max(0, latest.getTime() - Date.now()) + 200);
}

describe('an expired approval', () => {
  test(
    'a click after the expiry is refused and audited, ' + 'nothing runs, the message says expired and the run stops',
    async () => {
      const message = await askForRollback();
      await waitPastExpiry();
      await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: message.ts, actionId: ActionId.approve });
      await until(() =>
        expect(readable(bot.slack.state.ephemeralsFor(PEOPLE.bob, OPS).at(-1) ?? { text: '' })).toMatch(
          /This approval expired .*Nothing ran; ask again\./,
        ),
      );
      // The modal that opened at once says the same; it never asks for the typed name.
      await until(() => {
        const modal = bot.slack.state.openModal(PEOPLE.bob);
        expect(modal?.view.callback_id).toBe(CallbackId.noticeModal);
        expect(readable({ text: '', blocks: modal!.view.blocks as unknown[] })).toMatch(/This approval expired/);
      });
      expect((await auditRows(bot, 'request.refused')).at(-1)).toMatchObject({
        actor: PEOPLE.bob,
        detail: expect.objectContaining({ reason: 'expired' }),
      });
      expect(await auditRows(bot, 'approval.decided')).toEqual([]);
      expect(
        await count(
          bot,
          `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed' AND target = 'db1/deploy.rollback'`,
        ),
      ).toBe(0);
      await until(() => expect(readable(bot.slack.state.message(OPS, message.ts)!)).toContain('Approval expired'));
      expect(buttonsOf(bot.slack.state.message(OPS, message.ts)!)).toEqual([]);
      await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('cancelled'));
    },
  );

  test(
    "with nobody clicking, the engine's sweep (the publisher's timer runs it) marks it expired, " +
      'rewrites the message and stops the run',
    async () => {
      const message = await askForRollback();
      await waitPastExpiry();
      expect(await bot.engine.expireApprovals()).toBe(1);
      expect(await bot.engine.expireApprovals()).toBe(0);
      bot.publisher.wake();
      await until(() => expect(readable(bot.slack.state.message(OPS, message.ts)!)).toContain('Approval expired'));
      expect(buttonsOf(bot.slack.state.message(OPS, message.ts)!)).toEqual([]);
      await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('cancelled'));
      expect(await count(bot, `SELECT count(*) AS n FROM approvals WHERE state = 'expired'`)).toBe(2);
    },
  );
});
