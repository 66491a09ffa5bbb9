import { execa } from 'execa';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, buttonsOf, count, readable, runs, until } from './helpers.js';

/**
 * Two-person approvals over Slack, on a real host with a real git repo of releases: the rollback
 * picker, the requester who cannot approve, a user with no role, forged button values, the typed
 * confirmation, a double click, two approvers racing — and the approved rollback actually running.
 */
let bot: BotHarness;
beforeAll(async () => {
  bot = await startBot({
    releases: [{ tag: 'v1.0.0' }, { tag: 'v1.1.0' }, { tag: 'v1.2.0' }],
    roles: { lead_operator: ['S0LEADS0001', PEOPLE.bob, PEOPLE.carol], system_architect: [], security_officer: [] },
  });
});
afterAll(async () => {
  await bot?.stop();
});

const approvalMessages = () =>
  bot.slack.state.messages.filter((m) => m.channel === OPS && !m.deleted && readable(m).includes('deploy.rollback'));
const pending = () => approvalMessages().filter((m) => buttonsOf(m).includes(ActionId.approve));
const lastEphemeral = (user: string) => readable(bot.slack.state.ephemeralsFor(user, OPS).at(-1) ?? { text: '' });
/** Approve opens a modal at once (the checks come after); a refused click turns it into the refusal. */
async function expectRefusalModal(user: string, words: string): Promise<void> {
  await until(() => {
    const modal = bot.slack.state.openModal(user);
    expect(modal?.view.callback_id).toBe(CallbackId.noticeModal);
    expect(readable({ text: '', blocks: modal!.view.blocks as unknown[] })).toContain(words);
  });
}
const click = (user: string, message: MessageRecord, actionId: string) =>
  bot.slack.deliver.click({ user, channel: OPS, ts: message.ts, actionId });
const head = async () =>
  (
    await execa('git', ['-c', 'safe.directory=*', '-C', bot.repo!, 'describe', '--tags', '--exact-match'])
  ).stdout.trim();

async function askForRollback(tag: string): Promise<MessageRecord> {
  const before = pending().length;
  await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: `rollback ${tag}` });
  await until(() => expect(pending().length).toBe(before + 1), { interval: 100 });
  return pending().at(-1)!;
}

describe('asking', () => {
  test(
    '/recio rollback without a tag opens a modal at once, ' +
      "then offers the host's tags with the previous one preselected",
    async () => {
      await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'rollback' });
      // The modal opened inside the trigger id's 3 s (the emulator refuses it later): first as "loading",
      // then filled in.
      await until(() => expect(bot.slack.state.callsTo('views.open').at(-1)?.ok).toBe(true));
      expect(JSON.stringify(bot.slack.state.callsTo('views.open').at(-1)?.args)).toContain('Reading the release tags');
      await until(() =>
        expect(bot.slack.state.openModal(PEOPLE.alice)?.view.callback_id).toBe(CallbackId.rollbackModal),
      );
      const select = (
        bot.slack.state.openModal(PEOPLE.alice)!.view.blocks as Array<{
          block_id?: string;
          element?: { options: Array<{ value: string; text: { text: string } }>; initial_option?: { value: string } };
        }>
      ).find((b) => b.block_id === BlockId.tag)!.element!;
      expect(select.options.map((o) => o.text.text)).toEqual(['v1.2.0 (current)', 'v1.1.0', 'v1.0.0']);
      expect(select.initial_option?.value).toBe('v1.1.0');
      await bot.slack.deliver.submitView({ user: 'alice' });
      await until(() => expect(pending()).toHaveLength(1), { interval: 100 });
      const message = pending()[0]!;
      expect(readable(message)).toContain(`<@${PEOPLE.alice}> asks to run`);
      expect(readable(message)).toContain('{"tag":"v1.1.0"}');
      expect(message.threadTs).toBeDefined();
    },
  );
});

describe('refusals, each answered privately and audited', () => {
  test('the requester cannot approve their own rollback', async () => {
    const message = pending()[0]!;
    await click('alice', message, ActionId.approve);
    await until(() =>
      expect(lastEphemeral(PEOPLE.alice)).toContain('You asked for this one: a second lead_operator must approve it.'),
    );
    await expectRefusalModal(PEOPLE.alice, 'You asked for this one');
    expect((await auditRows(bot, 'request.refused')).at(-1)).toMatchObject({
      actor: PEOPLE.alice,
      detail: expect.objectContaining({ reason: 'self_approval' }),
    });
    expect(buttonsOf(bot.slack.state.message(OPS, message.ts)!)).toContain(ActionId.approve);
  });

  test('a user with no role cannot approve', async () => {
    await click('dave', pending()[0]!, ActionId.approve);
    await until(() =>
      expect(lastEphemeral(PEOPLE.dave)).toContain('Not allowed: approving is for a second lead_operator'),
    );
    expect((await auditRows(bot, 'request.denied')).at(-1)).toMatchObject({ actor: PEOPLE.dave, outcome: 'denied' });
  });

  test(
    'a forged button value (unknown id, another kind of id, ' + 'anything else) is refused and audited; nothing runs',
    async () => {
      const poster = new WebClient(bot.slack.tokens.bot, {
        slackApiUrl: bot.slack.apiUrl,
        retryConfig: { retries: 5, minTimeout: 100 },
      });
      const stepId = (await bot.storeDb.query(`SELECT step_id FROM approvals LIMIT 1`)).rows[0].step_id as string;
      const forgeries = ['apr_AAAAAAAAAAAAAAAAAAAAAA', stepId, `{"tag":"v0.0.1","host":"db1"}`, "' OR 1=1 --"];
      const executedBefore = await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`);
      for (const value of forgeries) {
        const posted = await poster.chat.postMessage({
          channel: OPS,
          text: 'forged',
          blocks: [
            {
              type: 'actions',
              elements: [
                { type: 'button', action_id: ActionId.approve, value, text: { type: 'plain_text', text: 'Approve' } },
              ],
            },
          ],
        });
        await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: posted.ts!, actionId: ActionId.approve });
      }
      await until(async () =>
        expect(
          (await auditRows(bot, 'request.refused')).filter(
            (r) => r.detail.reason === 'unknown' && r.actor === PEOPLE.bob,
          ),
        ).toHaveLength(forgeries.length),
      );
      // The refusal is audited before it is told: the ephemerals are awaited, not read at once.
      await until(() =>
        expect(
          bot.slack.state
            .ephemeralsFor(PEOPLE.bob, OPS)
            .filter((e) => readable(e).includes('That approval is unknown or no longer exists. Nothing ran.')),
        ).toHaveLength(forgeries.length),
      );
      await expectRefusalModal(PEOPLE.bob, 'That approval is unknown or no longer exists');
      expect(await count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed'`)).toBe(
        executedBefore,
      );
      expect(await count(bot, `SELECT count(*) AS n FROM approvals WHERE state <> 'pending'`)).toBe(0);
    },
  );
});

describe('approving', () => {
  test(
    'a second lead_operator types the tag to confirm; a wrong name records nothing; ' +
      'the right one approves and the rollback runs',
    async () => {
      const message = pending()[0]!;
      await click('bob', message, ActionId.approve);
      await until(() =>
        expect(bot.slack.state.openModal(PEOPLE.bob)?.view.callback_id).toBe(CallbackId.confirmApprovalModal),
      );
      const wrong = await bot.slack.deliver.submitView({ user: 'bob', values: { [BlockId.typedName]: 'v1.0.0' } });
      expect(wrong.attempts[0]?.responseBody).toContain('response_action');
      expect(bot.slack.state.openModal(PEOPLE.bob)?.errors?.[BlockId.typedName]).toContain('Type `v1.1.0` exactly');
      expect(await count(bot, `SELECT count(*) AS n FROM approvals WHERE state = 'approved'`)).toBe(0);
      expect(await auditRows(bot, 'approval.decided')).toEqual([]);

      await bot.slack.deliver.submitView({ user: 'bob', values: { [BlockId.typedName]: 'v1.1.0' } });
      await until(() =>
        expect(readable(bot.slack.state.message(OPS, message.ts)!)).toContain(`Approved by <@${PEOPLE.bob}>`),
      );
      expect(buttonsOf(bot.slack.state.message(OPS, message.ts)!)).toEqual([]);
      expect(await auditRows(bot, 'approval.decided')).toEqual([
        expect.objectContaining({ actor: PEOPLE.bob, outcome: 'approved' }),
      ]);
      await until(async () => expect((await runs(bot))[0]?.state).toBe('succeeded'), {
        timeout: 60_000,
        interval: 250,
      });
      expect(await head()).toBe('v1.1.0');
    },
  );

  test('a double click on Deny records one decision; the second click is told who decided', async () => {
    const message = await askForRollback('v1.0.0');
    await Promise.all([click('bob', message, ActionId.deny), click('bob', message, ActionId.deny)]);
    await until(() =>
      expect(bot.slack.state.ephemeralsFor(PEOPLE.bob, OPS).slice(-2).map(readable).sort().join('\n')).toMatch(
        /Already denied by <@U0BOB000001>[\s\S]*Denied: Roll back to v1\.0\.0/,
      ),
    );
    expect((await auditRows(bot, 'approval.decided')).filter((r) => r.outcome === 'denied')).toHaveLength(1);
    await until(() =>
      expect(readable(bot.slack.state.message(OPS, message.ts)!)).toContain(`Denied by <@${PEOPLE.bob}>`),
    );
    await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('cancelled'));
  });

  test(
    'a double click on Approve and a second approver at once: one decision, ' +
      'the other is told it was already approved',
    async () => {
      const message = await askForRollback('v1.2.0');
      const refusedBefore = (await auditRows(bot, 'request.refused')).filter(
        (r) => r.detail.reason === 'already_decided',
      ).length;
      // Bob's double click opens his confirmation once more (Slack shows the newest); nothing is decided by a click.
      await Promise.all([click('bob', message, ActionId.approve), click('bob', message, ActionId.approve)]);
      await click('carol', message, ActionId.approve);
      // Each click opens a loading view at once and turns it into the typed confirmation after the
      // checks: submit only once both people see the confirmation (a loading view has no Submit).
      await until(() =>
        expect([PEOPLE.bob, PEOPLE.carol].map((u) => bot.slack.state.openModal(u)?.view.callback_id)).toEqual([
          CallbackId.confirmApprovalModal,
          CallbackId.confirmApprovalModal,
        ]),
      );
      await Promise.all([
        bot.slack.deliver.submitView({ user: 'bob', values: { [BlockId.typedName]: 'v1.2.0' } }),
        bot.slack.deliver.submitView({ user: 'carol', values: { [BlockId.typedName]: 'v1.2.0' } }),
      ]);
      await until(async () =>
        expect(
          (await auditRows(bot, 'request.refused')).filter((r) => r.detail.reason === 'already_decided'),
        ).toHaveLength(refusedBefore + 1),
      );
      expect((await auditRows(bot, 'approval.decided')).filter((r) => r.outcome === 'approved')).toHaveLength(2);
      const answers = [
        ...bot.slack.state.ephemeralsFor(PEOPLE.bob, OPS),
        ...bot.slack.state.ephemeralsFor(PEOPLE.carol, OPS),
      ]
        .map(readable)
        .join('\n');
      expect(answers).toMatch(/Already approved by <@U0(BOB000001|CAROL0001)>/);
      await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), {
        timeout: 60_000,
        interval: 250,
      });
      expect(
        await count(
          bot,
          `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed' AND target = 'db1/deploy.rollback'`,
        ),
      ).toBe(2);
    },
  );
});
