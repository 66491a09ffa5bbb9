import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSteppingClock, type MessageRecord } from '@recio/slack-emulator/index';
import { NO_LONGER_VALID } from '@recio/bot/slack/handlers/unknown-action';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { copyRunbooks } from '../e2e/support/runbooks-copy.js';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, buttonsOf, readable, runs, until } from './helpers.js';
import { ownedTempDirSync } from '../support/leftovers.js';

/**
 * The bot as Slack treats it in production (issue 15), each through the emulation and each
 * failing before its fix: a private answer to a top-level mention that Slack would never show;
 * two steps waiting at once; the approve modal behind a slow role lookup; Slack's escaped text;
 * a button from an older message. The fake fails the file at the end if anything the bot sent
 * was accepted by Slack but shown to nobody.
 */
const TWO_GATES = `id: two-gates
title: Two checks by hand at once
parallel: true
steps:
  - id: first
    title: First check by hand
    action: check.manual
    approval: confirm
    on_failure: continue
  - id: second
    title: Second check by hand
    action: check.manual
    approval: confirm
    on_failure: continue
`;

// Group lookups on Slack take time (usergroups.users.list is Tier 2): 4 s of the emulation's clock.
const LOOKUP_MS = 4_000;
let bot: BotHarness;
let runbooksDir: string;
beforeAll(async () => {
  runbooksDir = copyRunbooks(ownedTempDirSync('runbooks'), {});
  writeFileSync(join(runbooksDir, 'two-gates.yml'), TWO_GATES);
  bot = await startBot({
    transport: 'socket',
    runbooksDir,
    releases: [{ tag: 'v1.0.0' }, { tag: 'v1.1.0' }],
    // Roles looked up every time (as approvals must be), so the slow lookup sits in the click's path.
    groupCacheTtlMs: 0,
    emulator: {
      clock: createSteppingClock(),
      methodLatencyMs: { 'usergroups.users.list': LOOKUP_MS },
    },
  });
});
afterAll(async () => {
  await bot?.stop();
  rmSync(runbooksDir, { recursive: true, force: true });
});

const mention = (text: string) => `<@${bot.slack.workspace.bot.userId}> ${text}`;
const privateTo = (user: string) => bot.slack.state.ephemeralsFor(user, OPS).map(readable).join('\n---\n');

describe('a private answer to an @mention outside a thread', () => {
  test('is shown in the channel (a new thread would hide it), and nothing is left unseen', async () => {
    const { message } = await bot.slack.deliver.userMessage({ user: 'dave', channel: OPS, text: mention('status') });
    await until(() => expect(privateTo(PEOPLE.dave)).toContain('Not allowed'));
    const answer = bot.slack.state.ephemeralsFor(PEOPLE.dave, OPS).at(-1)!;
    expect(answer.threadTs).toBeUndefined();
    expect(bot.slack.state.repliesTo(OPS, message.ts)).toEqual([]);
    expect(bot.slack.state.unseen()).toEqual([]);
  });

  test('a mention that does not parse is answered where the person can see it', async () => {
    await bot.slack.deliver.userMessage({ user: 'alice', channel: OPS, text: mention('restrat trade_executor') });
    await until(() => expect(privateTo(PEOPLE.alice)).toContain('Did you mean'));
    expect(bot.slack.state.unseen()).toEqual([]);
  });

  test('inside a thread that has replies, the private answer stays in that thread', async () => {
    const poster = new WebClient(bot.slack.tokens.bot, { slackApiUrl: bot.slack.apiUrl });
    const parent = await poster.chat.postMessage({ channel: OPS, text: 'an incident' });
    await poster.chat.postMessage({ channel: OPS, text: 'first note', thread_ts: parent.ts! });
    await bot.slack.deliver.userMessage({
      user: 'dave',
      channel: OPS,
      text: mention('status'),
      threadTs: parent.ts!,
    });
    await until(() =>
      expect(bot.slack.state.ephemeralsFor(PEOPLE.dave, OPS).filter((e) => e.threadTs === parent.ts)).toHaveLength(1),
    );
  });
});

describe('two steps waiting at once', () => {
  test('each gets its own Go ahead and Skip; Slack takes the blocks; one button acts on its own step', async () => {
    await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'run two-gates' });
    const runMessage = (): MessageRecord | undefined =>
      bot.slack.state.messagesIn(OPS).find((m) => readable(m).includes('Two checks by hand at once'));
    await until(() => expect(buttonsOf(runMessage()!).filter((b) => b === ActionId.confirmStep)).toHaveLength(2), {
      timeout: 30_000,
    });
    expect(buttonsOf(runMessage()!)).toEqual([
      ActionId.confirmStep,
      ActionId.skipStep,
      ActionId.confirmStep,
      ActionId.skipStep,
      ActionId.cancelRun,
    ]);
    const refused = [...bot.slack.state.callsTo('chat.postMessage'), ...bot.slack.state.callsTo('chat.update')].filter(
      (c) => c.error === 'invalid_blocks',
    );
    expect(refused).toEqual([]);
    // Go ahead on the second step's block confirms that step only.
    await bot.slack.deliver.click({
      user: 'alice',
      channel: OPS,
      ts: runMessage()!.ts,
      actionId: ActionId.confirmStep,
      blockId: `${BlockId.stepActions}_1`,
    });
    await until(() => expect(readable(runMessage()!)).toMatch(/2\. Second check by hand\* — done/));
    expect(readable(runMessage()!)).toMatch(/1\. First check by hand\* — waiting for a person/);
    expect(buttonsOf(runMessage()!)).toEqual([ActionId.confirmStep, ActionId.skipStep, ActionId.cancelRun]);
  });
});

describe('the approve modal behind a slow role lookup', () => {
  test(
    'opens at once as a loading view, ' + 'then becomes the typed confirmation (the trigger id has expired by then)',
    async () => {
      await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'rollback v1.0.0' });
      const approval = () =>
        bot.slack.state
          .messagesIn(OPS)
          .find((m) => buttonsOf(m).includes(ActionId.approve) && readable(m).includes('v1.0.0'));
      await until(() => expect(approval()).toBeDefined(), { timeout: 30_000 });
      const opensBefore = bot.slack.state.callsTo('views.open').length;
      await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: approval()!.ts, actionId: ActionId.approve });
      await until(() =>
        expect(bot.slack.state.openModal(PEOPLE.bob)?.view.callback_id).toBe(CallbackId.confirmApprovalModal),
      );
      const opens = bot.slack.state.callsTo('views.open').slice(opensBefore);
      expect(opens.map((c) => [c.ok, c.error])).toEqual([[true, undefined]]);
      expect(JSON.stringify(opens[0]?.args)).toContain('Checking the approval');
      // The lookup happened after the modal opened, and took longer than a trigger id lives.
      const lookups = bot.slack.state.callsTo('usergroups.users.list').filter((c) => c.seq > opens[0]!.seq);
      expect(lookups.length).toBeGreaterThan(0);
      expect(bot.slack.state.callsTo('views.update').at(-1)).toMatchObject({ ok: true });
    },
  );
});

describe("Slack's escaped text", () => {
  test('a slash command is read once: the title keeps & < >, shown escaped once, never twice', async () => {
    await bot.slack.deliver.slashCommand({
      user: 'alice',
      channel: OPS,
      text: 'incident open DB & API <down> since deploy',
    });
    await until(async () =>
      expect(
        (await bot.storeDb.query(`SELECT title FROM incidents ORDER BY opened_at`)).rows.map((r) => r.title),
      ).toContain('DB & API <down> since deploy'),
    );
    const parent = () => bot.slack.state.messagesIn(OPS).find((m) => readable(m).includes('since deploy'));
    await until(() => expect(parent()).toBeDefined());
    expect(readable(parent()!)).toContain('DB &amp; API &lt;down&gt; since deploy');
    expect(readable(parent()!)).not.toContain('&amp;amp;');
    expect(readable(parent()!)).not.toContain('&amp;lt;');
  });

  test('a mention with a channel link and a labelled link becomes words in the title', async () => {
    await bot.slack.deliver.userMessage({
      user: 'alice',
      channel: OPS,
      text: mention('incident open #ops is slow, see <https://grafana.example/d/1?a=1&b=2|dashboard>'),
    });
    await until(async () =>
      expect((await bot.storeDb.query(`SELECT title FROM incidents`)).rows.map((r) => r.title)).toContain(
        '#ops is slow, see dashboard (https://grafana.example/d/1?a=1&b=2)',
      ),
    );
  });
});

describe('a button no listener takes (from an older message)', () => {
  test('is acked at once, answered privately, audited; nothing runs', async () => {
    const poster = new WebClient(bot.slack.tokens.bot, { slackApiUrl: bot.slack.apiUrl });
    const old = await poster.chat.postMessage({
      channel: OPS,
      text: 'from an older recio',
      blocks: [
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'recio_restart_now', value: 'x', text: { type: 'plain_text', text: 'Go' } },
          ],
        },
      ],
    });
    const runsBefore = (await runs(bot)).length;
    const click = await bot.slack.deliver.click({
      user: 'alice',
      channel: OPS,
      ts: old.ts!,
      actionId: 'recio_restart_now',
    });
    expect(click.attempts.map((a) => a.outcome)).toEqual(['acked']);
    await until(() => expect(privateTo(PEOPLE.alice)).toContain(NO_LONGER_VALID.slice(0, 40)));
    await until(async () =>
      expect((await auditRows(bot, 'request.refused')).at(-1)).toMatchObject({
        actor: PEOPLE.alice,
        target: 'button',
        detail: expect.objectContaining({ reason: 'unknown_button', action_id: 'recio_restart_now' }),
      }),
    );
    expect((await runs(bot)).length).toBe(runsBefore);
  });

  test('a form an older bot opened is answered on submit, not left to time out', async () => {
    const poster = new WebClient(bot.slack.tokens.bot, { slackApiUrl: bot.slack.apiUrl });
    const old = await poster.chat.postMessage({ channel: OPS, text: 'retired form' });
    // Any click gives a trigger id; the bot's own answer to it does not matter here.
    await poster.chat.update({
      channel: OPS,
      ts: old.ts!,
      text: 'retired form',
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'recio_old_form', text: { type: 'plain_text', text: 'Open' } }],
        },
      ],
    });
    const click = await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: old.ts!, actionId: 'recio_old_form' });
    await poster.views.open({
      trigger_id: click.triggerId!,
      view: {
        type: 'modal',
        callback_id: 'recio_old_form_modal',
        title: { type: 'plain_text', text: 'Old form' },
        submit: { type: 'plain_text', text: 'Send' },
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'An old form' } }],
      },
    });
    const submitted = await bot.slack.deliver.submitView({ user: 'bob' });
    expect(submitted.attempts.map((a) => a.outcome)).toEqual(['acked']);
    expect(readable({ text: '', blocks: bot.slack.state.openModal(PEOPLE.bob)!.view.blocks as unknown[] })).toContain(
      'This form is no longer valid',
    );
    // The click that opened the form is refused too (unknown_button), and its row may land after
    // this one: look for the form's row, not at the newest.
    await until(async () =>
      expect(await auditRows(bot, 'request.refused')).toContainEqual(
        expect.objectContaining({
          actor: PEOPLE.bob,
          detail: expect.objectContaining({ reason: 'unknown_form', callback_id: 'recio_old_form_modal' }),
        }),
      ),
    );
  });
});
