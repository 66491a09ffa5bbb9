import { chownSync, existsSync, rmSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebClient } from '@slack/web-api';
import { dateOfDump } from '@recio/bot/runbooks/restore-choice';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { breakScenario, DROPPED_TABLE } from '@recio/sandbox/index';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { nightlyRestoreTest } from '@recio/bot/scheduler/restore-test';
import { silentLogger } from '../support/monitor-fixture.js';
import { record } from './support/measure.js';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { dbNow, programs, rowCount, rowsSince, tableExists, type ProgramFact } from './support/sandbox-facts.js';
import { ALICE, BOB, DAVE, OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * §1.1 PostgreSQL failure, the corrupted-database branch, end to end: kalshi_market_snapshots is
 * dropped in the sandbox → the monitor opens the incident → a lead_operator runs the recovery,
 * picking an older dump than the newest in Run recovery's picker → the restore waits for a SECOND
 * lead_operator, who approves by typing that dump's date → only the dropped table is restored from
 * it (today's prices stay) and the plan's four dependents
 * restarted → checklist green → Resolve → report.
 * The plan makes a person type 4 commands, plus the psql restore.
 */
let stack: E2EStack;
let ops: Operators;
const t: Record<string, number> = {};
const DEPENDENTS = ['trade_manager', 'trade_executor', 'active_trade_supervisor', 'auto_entry_supervisor'];
let incidentId: string;
let parent: MessageRecord;
let before: Record<string, ProgramFact>;
let brokeAt: Date;
/** An older local dump (last night's bytes under an older date): picked, so not the one bound by default. */
const PICKED = 'db_2026-01-02.sql';
const RESTORE_TITLE = `Restore from ${PICKED} (picked)`;

beforeAll(async () => {
  stack = await startStack();
  ops = new Operators(stack);
  await eventually(() => expect(stack.bot.monitor?.isLeader).toBe(true));
});
afterAll(async () => {
  await stack?.stop();
});

describe('postgres-failure, drop-table (§1.1)', () => {
  test('the dropped table opens the database incident in the ops channel', async () => {
    before = await programs(stack.sandbox);
    expect(await rowCount(stack.sandbox, DROPPED_TABLE)).toBeGreaterThan(0);
    brokeAt = await dbNow(stack.sandbox);
    t.break = performance.now();
    await breakScenario(stack.sandbox, 'postgres-failure', { variant: 'drop-table' });
    ({
      incident: { id: incidentId },
      parent,
    } = await ops.incidentPosted('db:sbx1'));
    t.detected = performance.now();
    expect(readable(parent)).toContain(`Database tables missing on sbx1: ${DROPPED_TABLE}`);
    expect(readable(parent)).toContain('runbook `postgres-failure`');
    // The runbook restores a dump: Run recovery opens the dump picker first, and (pitr-restore is
    // loaded) Point-in-time restore is offered beside it.
    expect(buttonsOf(parent)).toEqual([
      ActionId.ackIncident,
      ActionId.runRecoveryPickDump,
      ActionId.pitrRestore,
      ActionId.openChecklist,
    ]);
    expect(await tableExists(stack.sandbox, DROPPED_TABLE)).toBe(false);
  });

  test('Run recovery opens the dump picker; no role, or a dump not listed, is refused and audited', async () => {
    // A second local dump, older than the nightly one, as the agent's own files are (owner, hash record).
    const newest = readdirSync(stack.sandbox.backupsDir)
      .filter((f) => /^db_.*\.sql$/.test(f))
      .sort()
      .at(-1)!;
    const owner = statSync(stack.sandbox.backupsDir);
    writeFileSync(join(stack.sandbox.backupsDir, PICKED), readFileSync(join(stack.sandbox.backupsDir, newest)));
    const hash = readFileSync(join(stack.sandbox.backupsDir, `${newest}.sha256`), 'utf8').replace(newest, PICKED);
    writeFileSync(join(stack.sandbox.backupsDir, `${PICKED}.sha256`), hash);
    for (const f of [PICKED, `${PICKED}.sha256`]) chownSync(join(stack.sandbox.backupsDir, f), owner.uid, owner.gid);

    // Someone without the operate role: the desk's refusal, in the modal and privately, audited; nothing listed.
    await ops.expectRefusedModal(DAVE, parent, ActionId.runRecoveryPickDump, incidentId);

    await ops.click(ALICE, parent, ActionId.ackIncident, 'Acknowledge');
    const picker = await ops.openRecoveryPicker(ALICE, parent);
    const options = optionsOf(picker.view.blocks);
    expect(options.map((o) => o.value)).toEqual([newest, PICKED]);
    expect(options[0]!.text).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · [\d.]+ (min|h) · [\d.]+ (KiB|MiB) · local(\+offsite)? · (untested|tested ok)$/,
    );
    expect(options[1]!.text).toMatch(/^2026-01-0[12] \d{2}:\d{2} · \d+ days · [\d.]+ (KiB|MiB) · local · untested$/);
    expect(initialOf(picker.view.blocks)).toBe(newest);
    expect(readable({ text: '', blocks: picker.view.blocks as unknown[] })).toContain(
      "The dump is used only if the runbook's `\\dt` check finds tables missing",
    );
    expect(JSON.parse(String(picker.view.private_metadata))).toMatchObject({ channel: OPS, incidentId });

    // A forged form (what a tampered client could send): one more option, a name the host does not list.
    const forged = 'db_2026-01-03.sql';
    const bot = new WebClient(stack.slack.tokens.bot, { slackApiUrl: stack.slack.apiUrl });
    const shown = picker.view as { blocks: Array<{ element?: { options?: unknown[] } }> } & Record<string, unknown>;
    const blocks = shown.blocks.map((b) =>
      b.element?.options ? { ...b, element: { ...b.element, options: [...b.element.options, option(forged)] } } : b,
    );
    const { title, submit, close, callback_id, private_metadata } = shown;
    await bot.views.update({
      view_id: picker.id,
      view: { type: 'modal', title, submit, close, callback_id, private_metadata, blocks } as never,
    });
    await ops.pickDump(ALICE, forged);
    await eventually(
      () => expect(ops.answersTo(ALICE).at(-1)).toContain(`\`${forged}\` is not a dump the database host offers`),
      60_000,
    );
    expect(ops.answersTo(ALICE).at(-1)).toContain('Nothing was started.');
    const refused = await stack.storeDb.query(
      `SELECT actor, target, detail FROM audit_log WHERE action = 'request.refused' ORDER BY id DESC LIMIT 1`,
    );
    expect(refused.rows[0]).toMatchObject({
      actor: ALICE,
      target: `incident:${incidentId}`,
      detail: expect.objectContaining({ reason: 'unknown_dump', file: forged }),
    });
    expect(await ops.runsOf(incidentId)).toEqual([]);
    expect((await stack.storeDb.query(`SELECT id FROM runs WHERE scenario = 'postgres-failure'`)).rows).toEqual([]);
  });

  test(
    'Run recovery: the database answers, \\dt misses the table, ' + 'and the restore waits for a second lead_operator',
    async () => {
      await ops.openRecoveryPicker(ALICE, parent);
      await ops.pickDump(ALICE, PICKED);
      const approval = await ops.replyWithButton(parent, RESTORE_TITLE, ActionId.approve);
      expect(readable(approval)).toContain(`<@${ALICE}> asks to run`);
      expect(readable(approval)).toContain('`db.restore` on `sbx1`');
      const [run] = await ops.runsOf(incidentId);
      const steps = await stack.bot.core.store.runs.steps(run!.id);
      expect(steps.slice(0, 4).map((s) => [s.title, s.state])).toEqual([
        ['Check the PostgreSQL service', 'succeeded'],
        ['Restart PostgreSQL (it was down)', 'skipped'],
        ['Validate DB integrity (\\dt shows the expected tables)', 'failed'],
        [RESTORE_TITLE, 'awaiting_approval'],
      ]);
      // The one who asked cannot approve it: a second person is the point.
      await stack.slack.deliver.click({ user: ALICE, channel: OPS, ts: approval.ts, actionId: ActionId.approve });
      await eventually(() => expect(ops.answersTo(ALICE).at(-1)).toContain('a second lead_operator must approve it'));
      expect(await tableExists(stack.sandbox, DROPPED_TABLE)).toBe(false);
    },
  );

  test("bob approves by typing the picked dump's date; only the dropped table is restored, today's prices stay; " +
    'the four dependents restarted', async () => {
    const approval = await ops.replyWithButton(parent, RESTORE_TITLE, ActionId.approve);
    // The approval was bound to the picked dump, not the newest, when it was asked for: its name and SHA-256.
    const picked = PICKED;
    const sha256 = readFileSync(join(stack.sandbox.backupsDir, `${picked}.sha256`), 'utf8').split(' ')[0];
    // Prices written since the break (so after the dump): a full restore would take them away.
    const pricesSinceBreak = await rowsSince(stack.sandbox, 'btc_price_log', brokeAt);
    expect(pricesSinceBreak).toBeGreaterThan(0);
    // What Bob sees before typing the date: the exact file (name, size, SHA-256), and what it rewinds.
    const shown = readable(stack.slack.state.message(OPS, approval.ts)!);
    expect(shown).toContain(`*File:* \`${picked}\``);
    expect(shown).toContain(`*SHA-256:* \`${sha256}\``);
    expect(shown).toContain(`*Missing now:* \`${DROPPED_TABLE}\``);
    expect(shown).toContain(`Restores only \`${DROPPED_TABLE}\``);
    await ops.approve(BOB, approval, dateOfDump(picked)!);
    await eventually(() =>
      expect(readable(stack.slack.state.message(OPS, approval.ts)!)).toContain(`Approved by <@${BOB}>`),
    );
    const run = await ops.runEnded(incidentId, 'postgres-failure', 120_000);
    expect(run.state, await ops.describeRun(run)).toBe('succeeded');
    expect(await tableExists(stack.sandbox, DROPPED_TABLE)).toBe(true);
    const restore = (await stack.bot.core.store.runs.steps(run.id)).find((s) => s.action === 'db.restore')!;
    expect(restore.params).toEqual({ file: picked, sha256, tables: [DROPPED_TABLE] });
    expect((restore.result as { data: { scope: string } }).data.scope).toBe('tables');
    expect(await rowsSince(stack.sandbox, 'btc_price_log', brokeAt)).toBeGreaterThanOrEqual(pricesSinceBreak);
    // Yesterday's snapshots are back from the dump, and new ones are flowing in again.
    await eventually(async () =>
      expect(await rowCount(stack.sandbox, DROPPED_TABLE)).toBeGreaterThan(
        await rowsSince(stack.sandbox, DROPPED_TABLE, brokeAt),
      ),
    );
    const restoredAt = await dbNow(stack.sandbox);
    await eventually(async () => expect(await rowsSince(stack.sandbox, DROPPED_TABLE, restoredAt)).toBeGreaterThan(0));
    const after = await programs(stack.sandbox);
    for (const name of DEPENDENTS) {
      expect(after[name], name).toMatchObject({ state: 'RUNNING' });
      expect(after[name]!.pid, name).not.toBe(before[name]!.pid);
    }
    // The plan restarts only its four dependents: the watchdogs keep their pids.
    expect(after.btc_price_watchdog!.pid).toBe(before.btc_price_watchdog!.pid);
  }, 180_000);

  test(
    'checklist green (\\dt complete again), Resolve, ' +
      'and the report in the thread names the restore and who approved it',
    async () => {
      await ops.checklistToGreen(ALICE, incidentId, parent);
      t.green = performance.now();
      await ops.resolve(ALICE, incidentId, parent);
      const report = (await stack.bot.core.store.incidents.get(incidentId))!.report!;
      expect(report).toContain(RESTORE_TITLE);
      expect(report).toContain(BOB);
      record({
        scenario: 'postgres-failure (drop-table → restore)',
        planCommands: 5,
        operatorActions: ops.actions,
        breakToDetectMs: t.detected! - t.break!,
        breakToGreenMs: t.green! - t.break!,
      });
    },
  );
});

describe('/recio restore: pick a dump, see what it rewinds, approve exactly that file', () => {
  const OLD = 'db_2026-01-01.sql';
  let newest: string;

  test('the picker offers the local and the offsite-only dumps with time, age, size and the restore test', async () => {
    // The nightly restore test, as the scheduler runs it: the newest dump is loaded into a scratch database.
    const [tested] = await nightlyRestoreTest({
      hosts: stack.bot.core.hosts,
      desk: stack.bot.core.desk,
      checks: stack.bot.core.store.backupChecks,
      logger: silentLogger,
    });
    expect(tested).toMatchObject({ ok: true });
    newest = tested!.file!;
    // An older dump that is only offsite (with its recorded hash beside it, as backup.offsite ships it).
    const bytes = readFileSync(join(stack.sandbox.backupsDir, newest));
    writeFileSync(join(stack.sandbox.paths.offsiteDir, OLD), bytes);
    // Written by this (root) test process: readable by the sandbox's agent account, unlike a 0600 copy.
    const record = readFileSync(join(stack.sandbox.backupsDir, `${newest}.sha256`), 'utf8').replace(newest, OLD);
    writeFileSync(join(stack.sandbox.paths.offsiteDir, `${OLD}.sha256`), record);

    await ops.command(ALICE, 'restore', 'the restore picker');
    const modal = await eventually(() => {
      const view = stack.slack.state.openModal(ALICE);
      if (view?.view.callback_id !== CallbackId.restoreModal) throw new Error('the restore picker is not open yet');
      return view;
    }, 60_000);
    const options = optionsOf(modal.view.blocks);
    const local = options.find((o) => o.value === newest);
    const offsite = options.find((o) => o.value === OLD);
    expect(local?.text).toMatch(/· local(\+offsite)? · tested ok$/);
    expect(local?.text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · [\d.]+ (min|h) · [\d.]+ (KiB|MiB) · /);
    const size =
      bytes.length < 1024 * 1024
        ? `${(bytes.length / 1024).toFixed(1)} KiB`
        : `${(bytes.length / 1048576).toFixed(1)} MiB`;
    expect(offsite?.text).toBe(
      `2026-01-01 00:00 · ${offsite?.text.split(' · ')[1]} · ${size} · offsite only · untested`,
    );
    expect(options.at(-1)?.value).toBe(OLD);
  });

  test('a table the dump does not hold is refused with the tables it has; nothing is asked, nothing runs', async () => {
    const safetyDumps = () => readdirSync(stack.sandbox.backupsDir).filter((f) => f.startsWith('pre-restore_')).length;
    const safetyBefore = safetyDumps();
    const approvalsBefore = stack.slack.state.messagesIn(OPS).filter((m) => buttonsOf(m).includes(ActionId.approve));
    await stack.slack.deliver.submitView({
      user: ALICE,
      values: { [BlockId.dump]: OLD, [BlockId.tables]: 'nosuch_table' },
    });
    const refused = await eventually(() => {
      const m = stack.slack.state.messagesIn(OPS).find((x) => readable(x).includes('has no table nosuch_table'));
      if (m === undefined)
        throw new Error(
          `no refusal yet; last messages: ${stack.slack.state.messagesIn(OPS).slice(-2).map(readable).join(' || ')}` +
            `; alice was told: ${ops.answersTo(ALICE).slice(-2).join(' || ')}`,
        );
      return m;
    }, 60_000);
    expect(readable(refused)).toContain(`${OLD} has no table nosuch_table; it holds: `);
    expect(readable(refused)).toContain(DROPPED_TABLE);
    expect(buttonsOf(refused)).not.toContain(ActionId.approve);
    expect(stack.slack.state.messagesIn(OPS).filter((m) => buttonsOf(m).includes(ActionId.approve))).toHaveLength(
      approvalsBefore.length,
    );
    expect(safetyDumps()).toBe(safetyBefore);
  });

  test('an offsite-only dump picked for one table: fetched back, its hash, size and rows to rewind shown; ' +
    'the approval restores exactly it', async () => {
    // Gone from the local disk again (the refusal above fetched it back): the restore's own look fetches it.
    rmSync(join(stack.sandbox.backupsDir, OLD));
    rmSync(join(stack.sandbox.backupsDir, `${OLD}.sha256`));
    await ops.command(ALICE, 'restore', 'the restore picker');
    await eventually(() => {
      if (stack.slack.state.openModal(ALICE)?.view.callback_id !== CallbackId.restoreModal)
        throw new Error('no picker');
    }, 60_000);
    await stack.slack.deliver.submitView({
      user: ALICE,
      values: { [BlockId.dump]: OLD, [BlockId.tables]: 'btc_price_log' },
    });
    const approval = await eventually(() => {
      const m = stack.slack.state
        .messagesIn(OPS)
        .find(
          (x) => readable(x).includes(`Restore btc_price_log from ${OLD}`) && buttonsOf(x).includes(ActionId.approve),
        );
      if (m === undefined) throw new Error('no approval request yet');
      return m;
    }, 90_000);
    const sha256 = readFileSync(join(stack.sandbox.paths.offsiteDir, `${OLD}.sha256`), 'utf8').split(' ')[0]!;
    const shown = readable(approval);
    expect(shown).toContain(`*File:* \`${OLD}\``);
    expect(shown).toContain('fetched back from offsite');
    expect(shown).toContain(`*SHA-256:* \`${sha256}\``);
    expect(shown).toMatch(/`btc_price_log`: \*\d+\* rows newer \(by `\w+`\)/);
    expect(shown).toContain('*Missing now:* none');
    // The local copy landed with the offsite record's hash.
    expect(existsSync(join(stack.sandbox.backupsDir, OLD))).toBe(true);
    await ops.approve(BOB, approval, '2026-01-01');
    const approvalId = approveValueOf(approval);
    const stepId = (await stack.bot.core.store.approvals.get(approvalId))!.stepId;
    const restore = await eventually(async () => {
      const step = (await stack.bot.core.store.steps.get(stepId))!;
      if (step.state !== 'succeeded' && step.state !== 'failed') throw new Error(`restore is ${step.state}`);
      return step;
    }, 120_000);
    expect(restore.state, JSON.stringify(restore.result)).toBe('succeeded');
    expect(restore.params).toEqual({ file: OLD, sha256, tables: ['btc_price_log'] });
  }, 240_000);
});

/** The Approve button's value: the approval's opaque id. */
function approveValueOf(message: MessageRecord): string {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as { action_id?: string; value?: string };
      if (o.action_id === ActionId.approve && typeof o.value === 'string') found.push(o.value);
      Object.values(v).forEach(walk);
    }
  };
  walk(message.blocks);
  return found[0]!;
}

/** A select option for a dump name (the forged form's extra line). */
function option(file: string) {
  return { text: { type: 'plain_text', text: file }, value: file };
}

/** The option a modal's select starts on. */
function initialOf(blocks: unknown): string | undefined {
  const input = (blocks as Array<{ element?: { initial_option?: { value: string } } }>).find(
    (b) => b.element?.initial_option !== undefined,
  );
  return input?.element?.initial_option?.value;
}

/** The select options of a modal, as Slack shows them. */
function optionsOf(blocks: unknown): Array<{ text: string; value: string }> {
  const input = (blocks as Array<{ element?: { options?: Array<{ text: { text: string }; value: string }> } }>).find(
    (b) => b.element?.options !== undefined,
  );
  return (input?.element?.options ?? []).map((o) => ({ text: o.text.text, value: o.value }));
}
