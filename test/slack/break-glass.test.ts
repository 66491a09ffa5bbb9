import { execa } from 'execa';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, buttonsOf, count, readable, runs, until } from './helpers.js';

/**
 * Break-glass over Slack, on a real host with a real release repo: alice, a lead_operator alone
 * at 3 a.m., asks for a rollback inside an incident's thread and nobody approves. The bot runs with
 * its default wait (10 min); the wait is made to have passed by ageing the approval in the store
 * (the break checks the database's clock against the approval's creation, never the button). Carol
 * is the security_officer; bob a second lead_operator; dave holds no role.
 */
let bot: BotHarness;
let poster: WebClient;
beforeAll(async () => {
  bot = await startBot({
    releases: [{ tag: 'v1.0.0' }, { tag: 'v1.1.0' }, { tag: 'v1.2.0' }],
    expirySweepMs: 500,
  });
  poster = new WebClient(bot.slack.tokens.bot, {
    slackApiUrl: bot.slack.apiUrl,
    retryConfig: { retries: 5, minTimeout: 100 },
  });
});
afterAll(async () => {
  await bot?.stop();
});

const CAROL = `<@${PEOPLE.carol}>`;
const inOps = () => bot.slack.state.messages.filter((m) => m.channel === OPS && !m.deleted);
const approvalMessage = () => inOps().find((m) => readable(m).includes('deploy.rollback'));
const fresh = (m: MessageRecord) => bot.slack.state.message(OPS, m.ts)!;
const modalOf = (user: string) => bot.slack.state.openModal(user);
const modalText = (user: string) => readable({ text: '', blocks: (modalOf(user)?.view.blocks as unknown[]) ?? [] });
const lastPrivate = (user: string) => readable(bot.slack.state.ephemeralsFor(user, OPS).at(-1) ?? { text: '' });
const refusals = async (reason: string) =>
  (await auditRows(bot, 'request.refused')).filter((r) => r.detail.reason === reason);
const executed = () =>
  count(bot, `SELECT count(*) AS n FROM audit_log WHERE action = 'step.executed' AND target = 'db1/deploy.rollback'`);
const approvalId = async () => (await bot.storeDb.query(`SELECT id FROM approvals LIMIT 1`)).rows[0].id as string;
const head = async () =>
  (
    await execa('git', ['-c', 'safe.directory=*', '-C', bot.repo!, 'describe', '--tags', '--exact-match'])
  ).stdout.trim();

/** A message carrying one button with a value of our choosing: what a forged or stale click looks like. */
async function forgedButton(actionId: string, value: string): Promise<string> {
  const posted = await poster.chat.postMessage({
    channel: OPS,
    text: 'forged',
    blocks: [
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: actionId, value, text: { type: 'plain_text', text: 'x' } }],
      },
    ],
  });
  return posted.ts!;
}

let incidentId: string;
let threadTs: string;

describe('before the wait is over', () => {
  test('the approval offers no Break glass, and a click on a forged one is refused and audited', async () => {
    await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'incident open Lone operator drill' });
    await until(async () => {
      const row = (await bot.storeDb.query(`SELECT id, thread_ts FROM incidents WHERE thread_ts IS NOT NULL`)).rows[0];
      expect(row).toBeDefined();
      incidentId = row.id;
      threadTs = row.thread_ts;
    });
    const botId = bot.slack.workspace.bot.userId;
    await bot.slack.deliver.userMessage({ user: 'alice', channel: OPS, threadTs, text: `<@${botId}> rollback v1.1.0` });
    await until(() => expect(approvalMessage()).toBeDefined());
    const message = approvalMessage()!;
    expect(message.threadTs).toBe(threadTs);
    expect(buttonsOf(message)).toEqual([ActionId.approve, ActionId.deny]);

    const ts = await forgedButton(ActionId.breakGlass, await approvalId());
    await bot.slack.deliver.click({ user: 'alice', channel: OPS, ts, actionId: ActionId.breakGlass });
    await until(() =>
      expect(modalText(PEOPLE.alice)).toContain('Break-glass opens once the approval has waited 10 min'),
    );
    expect(modalOf(PEOPLE.alice)?.view.callback_id).toBe(CallbackId.noticeModal);
    expect(await refusals('break_glass_too_early')).toEqual([expect.objectContaining({ actor: PEOPLE.alice })]);
    // Past the form: the core's break itself is checked by the database's clock.
    const early = await bot.ops.breakGlass(
      await approvalId(),
      { reason: 'Nobody answers the phone and trading is down', typed: 'v1.1.0' },
      await bot.ops.actorFor(PEOPLE.alice),
      { surface: 'cli', deliveryKey: 'test:early', requestId: 'test-early' },
    );
    expect(early).toMatchObject({ type: 'text', text: expect.stringContaining('Break-glass opens once') });
    expect(await refusals('break_glass_too_early')).toHaveLength(2);
    expect(await count(bot, `SELECT count(*) AS n FROM break_glass`)).toBe(0);
    expect(await count(bot, `SELECT count(*) AS n FROM approvals WHERE state = 'pending'`)).toBe(1);
    expect(await executed()).toBe(0);
  });
});

describe('once the wait is over', () => {
  test('the message offers Break glass; no role, another lead_operator: refused and audited', async () => {
    await bot.storeDb.query(`UPDATE approvals SET created_at = created_at - interval '11 minutes'`);
    const message = approvalMessage()!;
    await until(() => expect(buttonsOf(fresh(message))).toContain(ActionId.breakGlass));
    expect(readable(fresh(message))).toContain(`<@${PEOPLE.alice}> may break the glass`);

    await bot.slack.deliver.click({ user: 'dave', channel: OPS, ts: message.ts, actionId: ActionId.breakGlass });
    await until(() => expect(lastPrivate(PEOPLE.dave)).toContain('Not allowed: breaking the glass is for'));
    expect((await auditRows(bot, 'request.denied')).at(-1)).toMatchObject({
      actor: PEOPLE.dave,
      detail: expect.objectContaining({ permission: 'break_glass' }),
    });

    await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: message.ts, actionId: ActionId.breakGlass });
    await until(() => expect(modalText(PEOPLE.bob)).toContain('Only the person who asked for it'));
    expect(await refusals('break_glass_not_requester')).toHaveLength(1);
    expect(await count(bot, `SELECT count(*) AS n FROM break_glass`)).toBe(0);
  });

  test(
    'the requester breaks it: a short reason or a wrong target keeps the form open and is audited; ' +
      'a double submission breaks once; the security officer is mentioned; the step runs once',
    async () => {
      const message = approvalMessage()!;
      await bot.slack.deliver.click({ user: 'alice', channel: OPS, ts: message.ts, actionId: ActionId.breakGlass });
      await until(() => expect(modalOf(PEOPLE.alice)?.view.callback_id).toBe(CallbackId.breakGlassModal));
      expect(modalText(PEOPLE.alice)).toContain('Type exactly: v1.1.0');

      const values = (reason: string, target: string) => ({
        [BlockId.breakGlassReason]: reason,
        [BlockId.breakGlassTarget]: target,
      });
      await bot.slack.deliver.submitView({ user: 'alice', values: values('urgent', 'v1.1.0') });
      expect(modalOf(PEOPLE.alice)?.errors?.[BlockId.breakGlassReason]).toContain('at least 20 characters');
      const reason = 'Trades fail since the v1.2.0 deploy and no second lead is awake';
      await bot.slack.deliver.submitView({ user: 'alice', values: values(reason, 'v1.0.0') });
      expect(modalOf(PEOPLE.alice)?.errors?.[BlockId.breakGlassTarget]).toContain('Type `v1.1.0` exactly');
      await until(async () => expect(await refusals('break_glass_target')).toHaveLength(1));
      expect(await refusals('break_glass_reason')).toHaveLength(1);
      expect(await count(bot, `SELECT count(*) AS n FROM break_glass`)).toBe(0);

      await Promise.all([
        bot.slack.deliver.submitView({ user: 'alice', values: values(reason, 'v1.1.0') }),
        bot.slack.deliver.submitView({ user: 'alice', values: values(reason, 'v1.1.0') }),
      ]);
      await until(() => expect(lastPrivate(PEOPLE.alice)).toContain('Break-glass recorded: running'));
      await until(() => {
        const post = inOps().find((m) => readable(m).includes('broke the glass') && m.threadTs === threadTs);
        expect(readable(post!)).toContain(CAROL);
        expect(readable(post!)).toContain(reason);
        expect(buttonsOf(post!)).toEqual([ActionId.reviewBreakGlass]);
      });
      await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), { timeout: 60_000 });
      expect(await head()).toBe('v1.1.0');
      expect(await executed()).toBe(1);
      expect(await count(bot, `SELECT count(*) AS n FROM break_glass`)).toBe(1);
      expect(await auditRows(bot, 'break_glass.used')).toEqual([
        expect.objectContaining({
          actor: PEOPLE.alice,
          outcome: 'approved',
          detail: expect.objectContaining({ reason, typedTarget: 'v1.1.0', action: 'deploy.rollback' }),
        }),
      ]);
      await until(() => {
        expect(readable(fresh(message))).toContain(`Break-glass by <@${PEOPLE.alice}>`);
        expect(buttonsOf(fresh(message))).toEqual([]);
      });
    },
  );

  test('the run, the incident, the report and the App Home say "break-glass — needs review"', async () => {
    const runMessage = () => inOps().find((m) => readable(m).includes('Requested by') && m.threadTs === threadTs);
    await until(() => expect(readable(runMessage()!)).toContain('break-glass — needs review'));
    const parent = () => bot.slack.state.message(OPS, threadTs)!;
    await until(() => expect(readable(parent())).toContain('break-glass — needs review'));
    expect(await bot.desk.writeReport(incidentId)).toContain('> **break-glass — needs review**');

    await bot.slack.deliver.openHome({ user: 'carol' });
    await until(() => {
      const home = bot.slack.state.homeOf(PEOPLE.carol)!;
      expect(readable({ text: '', blocks: home.view.blocks as unknown[] })).toContain('Break-glass — needs review');
      expect(buttonsOf({ blocks: home.view.blocks as unknown[] })).toContain(ActionId.reviewBreakGlass);
    });
  });

  test('a step no longer waiting for approval is refused and audited; nothing runs again', async () => {
    const ts = await forgedButton(ActionId.breakGlass, await approvalId());
    await bot.slack.deliver.click({ user: 'alice', channel: OPS, ts, actionId: ActionId.breakGlass });
    await until(() => expect(modalText(PEOPLE.alice)).toContain('not waiting for approval'));
    expect(await refusals('break_glass_not_waiting')).toHaveLength(1);
    const answer = await bot.ops.breakGlass(
      await approvalId(),
      { reason: 'Trying the same break a second time from elsewhere', typed: 'v1.1.0' },
      await bot.ops.actorFor(PEOPLE.alice),
      { surface: 'cli', deliveryKey: 'test:again', requestId: 'test-again' },
    );
    expect(answer).toMatchObject({ type: 'text', text: expect.stringContaining('You already broke the glass') });
    expect(await executed()).toBe(1);
  });
});

describe('the review', () => {
  const post = () => inOps().find((m) => buttonsOf(m).includes(ActionId.reviewBreakGlass))!;

  test('a reminder is posted once per period while unreviewed', async () => {
    const later = new Date(Date.now() + 4 * 3_600_000 + 60_000);
    expect(await bot.ops.remindBreakGlass(new Date())).toBe(0);
    expect(await bot.ops.remindBreakGlass(later)).toBe(1);
    expect(await bot.ops.remindBreakGlass(later)).toBe(1);
    const reminders = () => inOps().filter((m) => readable(m).includes('still needs review'));
    await until(() => expect(reminders()).toHaveLength(1));
    expect(readable(reminders()[0]!)).toContain(CAROL);
    expect(reminders()[0]!.threadTs).toBe(threadTs);
  });

  test('the breaker and someone without a role cannot review; a short note is refused; carol reviews', async () => {
    await bot.slack.deliver.click({ user: 'alice', channel: OPS, ts: post().ts, actionId: ActionId.reviewBreakGlass });
    await until(() => expect(modalText(PEOPLE.alice)).toContain('You broke this glass'));
    expect(await refusals('review_own_break')).toHaveLength(1);
    await bot.slack.deliver.click({ user: 'dave', channel: OPS, ts: post().ts, actionId: ActionId.reviewBreakGlass });
    await until(() => expect(lastPrivate(PEOPLE.dave)).toContain('reviewing a break-glass is for'));

    const message = post();
    await bot.slack.deliver.click({ user: 'carol', channel: OPS, ts: message.ts, actionId: ActionId.reviewBreakGlass });
    await until(() => expect(modalOf(PEOPLE.carol)?.view.callback_id).toBe(CallbackId.reviewBreakGlassModal));
    await bot.slack.deliver.submitView({ user: 'carol', values: { [BlockId.reviewNote]: 'ok' } });
    expect(modalOf(PEOPLE.carol)?.errors?.[BlockId.reviewNote]).toContain('at least 20 characters');
    await until(async () => expect(await refusals('review_note_too_short')).toHaveLength(1));
    const note = 'Checked the deploy log: v1.2.0 broke trading, rollback was right';
    await bot.slack.deliver.submitView({ user: 'carol', values: { [BlockId.reviewNote]: note } });
    await until(() => {
      expect(readable(fresh(message))).toContain(`Break-glass — reviewed* by ${CAROL}`);
      expect(buttonsOf(fresh(message))).toEqual([]);
    });
    expect(await auditRows(bot, 'break_glass.reviewed')).toEqual([
      expect.objectContaining({ actor: PEOPLE.carol, detail: expect.objectContaining({ note }) }),
    ]);
    await until(() => expect(readable(bot.slack.state.message(OPS, threadTs)!)).toContain('reviewed by'));
    const report = (await bot.storeDb.query(`SELECT report FROM incidents WHERE id = '${incidentId}'`)).rows[0].report;
    expect(report).toContain(`Reviewed by ${PEOPLE.carol}`);
    expect(report).not.toContain('> **break-glass — needs review**');
    expect(await bot.ops.remindBreakGlass(new Date(Date.now() + 9 * 3_600_000))).toBe(0);

    const id = (await bot.storeDb.query(`SELECT id FROM break_glass`)).rows[0].id as string;
    const ts = await forgedButton(ActionId.reviewBreakGlass, id);
    await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts, actionId: ActionId.reviewBreakGlass });
    await until(() => expect(modalText(PEOPLE.bob)).toContain(`Already reviewed by ${CAROL}`));
  });
});

describe('exactly once', () => {
  test('two break-glass submissions from two deliveries racing: one break, one run, the other is told', async () => {
    const before = inOps().filter((m) => buttonsOf(m).includes(ActionId.approve)).length;
    await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'rollback v1.2.0' });
    await until(() => expect(inOps().filter((m) => buttonsOf(m).includes(ActionId.approve))).toHaveLength(before + 1));
    const id = (await bot.storeDb.query(`SELECT id FROM approvals WHERE state = 'pending'`)).rows[0].id as string;
    await bot.storeDb.query(`UPDATE approvals SET created_at = created_at - interval '11 minutes' WHERE id = '${id}'`);
    const alice = await bot.ops.actorFor(PEOPLE.alice);
    const input = { reason: 'Still nobody awake to approve the roll forward', typed: 'v1.2.0' };
    const answers = await Promise.all(
      ['a', 'b'].map((k) =>
        bot.ops.breakGlass(id, input, alice, { surface: 'slack', deliveryKey: `race:${k}`, requestId: `race-${k}` }),
      ),
    );
    const texts = answers.map((a) => (a.type === 'text' ? a.text : a.type)).sort();
    expect(texts[0]).toContain('Break-glass recorded');
    expect(texts[1]).toContain('You already broke the glass');
    await until(async () => expect((await runs(bot)).at(-1)?.state).toBe('succeeded'), { timeout: 60_000 });
    expect(await count(bot, `SELECT count(*) AS n FROM break_glass WHERE approval_id = '${id}'`)).toBe(1);
    expect(await executed()).toBe(2);
    expect(await head()).toBe('v1.2.0');
  });
});
