import { describe, expect, test } from 'vitest';
import { validateBlocks, validateView } from '@recio/slack-emulator/index';
import { helpText } from '@recio/bot/operations/help';
import type { HostResult } from '@recio/bot/hosts/transport';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import type { BreakGlass, JsonObject } from '@recio/bot/domain/index';
import {
  breakGlassMark,
  breakGlassModal,
  renderBreakGlassPost,
  reviewBreakGlassModal,
} from '@recio/bot/slack/views/break-glass';
import { renderApprovalMessage } from '@recio/bot/slack/views/approval-message';
import { renderBackups } from '@recio/bot/slack/views/backups';
import { renderChecklist } from '@recio/bot/slack/views/checklist';
import { renderText } from '@recio/bot/slack/views/help';
import { renderIncidentParent } from '@recio/bot/slack/views/incident-parent';
import { recoveryDumpModal } from '@recio/bot/slack/views/recovery-dump-modal';
import { pitrModal } from '@recio/bot/slack/views/pitr-modal';
import type { PitrOffer } from '@recio/bot/operations/pitr-offer';
import { proposeTarget } from '@recio/bot/runbooks/pitr-choice';
import type { DumpChoice } from '@recio/bot/operations/restore-requests';
import {
  confirmApprovalModal,
  loadingModal,
  noticeModal,
  rollbackModal,
  rootCauseModal,
  serviceModal,
} from '@recio/bot/slack/views/modals';
import { renderRunMessage } from '@recio/bot/slack/views/run-message';
import { renderStatus } from '@recio/bot/slack/views/status';
import { renderTail } from '@recio/bot/slack/views/tail';
import { aRun, aStep, anApproval, anIncident, done, NOW } from './view-fixtures.js';

/** Every view goes through the emulator's Block Kit validator: what it accepts, Slack accepts. */
function valid(view: { text: string; blocks: unknown[] }): string {
  expect(validateBlocks(view.blocks, { surface: 'message' })).toEqual([]);
  expect(view.text.length).toBeGreaterThan(0);
  expect(view.text.length).toBeLessThanOrEqual(40_000);
  return JSON.stringify(view.blocks);
}

const buttons = (blocks: unknown[]) =>
  blocks.flatMap((b) =>
    (b as { type: string }).type === 'actions'
      ? (b as { elements: Array<{ action_id: string; value: string; text: { text: string } }> }).elements
      : [],
  );
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('run message', () => {
  test(
    'each step with its state emoji and duration; Go-ahead / Skip on the gated step, Cancel on the ' +
      'run; values are ids only',
    () => {
      const run = aRun({ state: 'awaiting_approval' });
      const steps = [
        aStep(run, 0, { title: 'Tail the log', ...done(1.2) }),
        aStep(run, 1, { title: 'Restart trade_executor', approval: 'confirm', state: 'awaiting_approval' }),
        aStep(run, 2, { title: 'Check dependencies' }),
      ];
      const json = valid(renderRunMessage({ run, steps, now: NOW }));
      expect(json).toContain(':white_check_mark: *1. Tail the log* on `db1` — done in 1.2 s');
      expect(json).toContain(':raised_hand: *2. Restart trade_executor*');
      expect(json).toContain(':white_circle: *3. Check dependencies*');
      const shown = buttons(renderRunMessage({ run, steps, now: NOW }).blocks);
      expect(shown.map((b) => [b.action_id, b.value])).toEqual([
        [ActionId.confirmStep, steps[1]!.id],
        [ActionId.skipStep, steps[1]!.id],
        [ActionId.cancelRun, run.id],
      ]);
      expect(shown.every((b) => UUID.test(b.value))).toBe(true);
    },
  );

  test('the running step shows the tail of its output, cut to fit with a note; the run keeps its buttons', () => {
    const run = aRun();
    const output = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(60)} <&> \`\`\``).join('\n');
    const steps = [
      aStep(run, 0, { state: 'running', startedAt: new Date(NOW.getTime() - 5_000), outputExcerpt: output }),
    ];
    const json = valid(renderRunMessage({ run, steps, now: NOW }));
    expect(json).toContain('line 399');
    expect(json).not.toContain('line 0 ');
    expect(json).toMatch(/last \d+ of 400 lines/);
    expect(json).toContain('Cut to fit Slack');
    expect(json).toContain('&lt;&amp;&gt;');
    expect(json).toContain('running (5.0 s so far)');
  });

  test('a failed run says so loudly, with the step and why, and has no buttons left', () => {
    const run = aRun({ state: 'failed', finishedAt: new Date(NOW.getTime()) });
    const steps = [
      aStep(run, 0, {
        state: 'failed',
        startedAt: NOW,
        finishedAt: NOW,
        outcome: 'error',
        result: { error: { message: 'trade_executor went FATAL' } },
      }),
    ];
    const view = renderRunMessage({ run, steps, now: NOW });
    const json = valid(view);
    expect(json).toContain(':x: *FAILED* in 30 s at step 1, *Step 1*: trade_executor went FATAL');
    expect(buttons(view.blocks)).toEqual([]);
  });

  test('steps waiting at once (a parallel runbook): each its own block, so no action_id repeats in a block', () => {
    const run = aRun({ state: 'awaiting_approval', params: { title: 'Two at once', parallel: true } });
    const steps = [0, 1, 2].map((i) => aStep(run, i, { approval: 'confirm', state: 'awaiting_approval' }));
    const view = renderRunMessage({ run, steps, now: NOW });
    valid(view);
    const blocks = view.blocks.filter((b) => b.type === 'actions') as Array<{ block_id: string; elements: unknown[] }>;
    expect(blocks.map((b) => b.block_id)).toEqual([
      'recio_step_0',
      'recio_step_1',
      'recio_step_2',
      'recio_run_actions',
    ]);
    expect(buttons(view.blocks).map((b) => [b.action_id, b.value])).toEqual([
      ...steps.flatMap((s) => [
        [ActionId.confirmStep, s.id],
        [ActionId.skipStep, s.id],
      ]),
      [ActionId.cancelRun, run.id],
    ]);
  });

  test('six hundred long steps still make one message within 50 blocks, saying how many are not shown', () => {
    const run = aRun();
    const steps = Array.from({ length: 600 }, (_, i) =>
      aStep(run, i, { title: `Restart program number ${i} ${'with a long title '.repeat(15)}` }),
    );
    const view = renderRunMessage({ run, steps, now: NOW });
    valid(view);
    expect(view.blocks.length).toBeLessThanOrEqual(50);
    expect(/and (\d+) more not shown/.exec(JSON.stringify(view.blocks))?.[1]).toMatch(/^\d+$/);
    expect(buttons(view.blocks).map((b) => b.action_id)).toEqual([ActionId.cancelRun]);
  });
});

describe('checklist', () => {
  const run = aRun({ scenario: 'verify', params: { title: 'Recovery Verification Checklist', parallel: true } });
  const items = (states: Array<Partial<import('@recio/bot/domain/index').Step>>) =>
    states.map((s, i) => aStep(run, i, { title: `Item ${i + 1}`, ...s }));

  test('green only when every item passed', () => {
    const json = valid(
      renderChecklist({
        run,
        steps: items([done(1), done(2), { ...done(1), result: { detail: 'newest row 12 s old' } }]),
      }),
    );
    expect(json).toContain(':large_green_circle: *GREEN*');
    expect(json).toContain(':white_check_mark: Item 3 — newest row 12 s old');
  });

  test('one failed item: not green, and the item says why; an open item is ⏳', () => {
    const json = valid(
      renderChecklist({
        run,
        steps: items([
          done(1),
          { state: 'failed', result: { detail: 'btc_price_log: newest row 600 s old (limit 60 s)' } },
          { state: 'running' },
        ]),
      }),
    );
    expect(json).toContain(':x: Item 2 — btc_price_log: newest row 600 s old (limit 60 s)');
    expect(json).toContain(':hourglass_flowing_sand: Item 3 — checking…');
    expect(json).toContain('*NOT GREEN* — 1 of 3 items failed, 1 still open');
    expect(json).not.toContain('*GREEN*');
  });

  test('the manual item waits for a button carrying only its step id', () => {
    const steps = items([
      done(1),
      { state: 'awaiting_approval', approval: 'confirm', title: 'Trades can be placed and confirmed' },
    ]);
    const view = renderChecklist({ run, steps });
    valid(view);
    expect(buttons(view.blocks).map((b) => [b.action_id, b.value])).toEqual([[ActionId.confirmStep, steps[1]!.id]]);
    expect(JSON.stringify(view.blocks)).toContain('Checking — 1 of 2 items done');
  });

  test('the nightly restore test is a line under the items: passed, failed with its last pass, or none yet', () => {
    const steps = items([done(1)]);
    const at = new Date('2026-02-27T04:30:00Z');
    const failedTest = {
      job: 'restore-test' as const,
      host: 'db1',
      ok: false,
      subject: 'db_2026-02-27.sql',
      detail: 'backups cannot be restored: pg_restore: exit 1',
      at,
      lastOk: new Date('2026-02-25T04:30:00Z'),
    };
    const failing = JSON.stringify(valid(renderChecklist({ run, steps, restoreTests: [failedTest] })));
    expect(failing).toContain(
      'Backups restorable (nightly restore test): :x: restore test on db1 FAILED 2026-02-27 04:30 UTC ' +
        '(db_2026-02-27.sql): backups cannot be restored: pg_restore: exit 1; last passed 2026-02-25 04:30 UTC',
    );
    // A line, not an item: the checklist's own verdict is the items'.
    expect(failing).toContain('*GREEN* — every item passed');
    const passing = JSON.stringify(
      valid(renderChecklist({ run, steps, restoreTests: [{ ...failedTest, ok: true, lastOk: at }] })),
    );
    expect(passing).toContain(':white_check_mark: restore test on db1 passed 2026-02-27 04:30 UTC (db_2026-02-27.sql)');
    expect(JSON.stringify(valid(renderChecklist({ run, steps, restoreTests: [] })))).toContain(
      'no nightly restore test recorded yet',
    );
  });

  test('two manual items waiting at once are two blocks: Slack takes the message', () => {
    const steps = items([
      { state: 'awaiting_approval', approval: 'confirm', title: 'Trades can be placed' },
      { state: 'awaiting_approval', approval: 'confirm', title: 'Orders are confirmed' },
    ]);
    const view = renderChecklist({ run, steps });
    valid(view);
    expect(buttons(view.blocks).map((b) => b.value)).toEqual([steps[0]!.id, steps[1]!.id]);
  });
});

describe('approval message', () => {
  const run = aRun({ params: { title: 'Bad release — roll back (v2.4.0)' } });
  const step = aStep(run, 1, {
    title: 'Roll back to v2.4.0',
    action: 'deploy.rollback',
    params: { tag: 'v2.4.0' },
    approval: 'second_person',
    state: 'awaiting_approval',
  });

  test('pending: who asks, exactly what runs where, the expiry, and Approve / Deny with the approval id', () => {
    const approval = anApproval(step);
    const view = renderApprovalMessage({ approval, step, run, now: NOW });
    const json = valid(view);
    expect(json).toContain('<@U0ALICE0001> asks to run');
    expect(json).toContain('`deploy.rollback` on `db1` with');
    expect(json).toContain('{\\"tag\\":\\"v2.4.0\\"}');
    expect(json).toMatch(/Expires <!date\^\d+\^/);
    expect(buttons(view.blocks).map((b) => [b.action_id, b.value])).toEqual([
      [ActionId.approve, approval.id],
      [ActionId.deny, approval.id],
    ]);
  });

  test('approved by X at T, denied by Y, expired: the facts stay, the buttons go', () => {
    const decidedAt = new Date(NOW.getTime() - 1000);
    for (const [approval, words] of [
      [
        anApproval(step, { state: 'approved', decidedBy: 'U0BOB000001', decidedAt }),
        'Approved by <@U0BOB000001>* at <!date^',
      ],
      [anApproval(step, { state: 'denied', decidedBy: 'U0BOB000001', decidedAt }), 'Denied by <@U0BOB000001>*'],
      [anApproval(step, { state: 'expired' }), 'Approval expired'],
      [anApproval(step, { expiresAt: new Date(NOW.getTime() - 1) }), 'Approval expired'],
    ] as const) {
      const view = renderApprovalMessage({ approval, step, run, now: NOW });
      expect(valid(view)).toContain(words);
      expect(JSON.stringify(view.blocks)).toContain('`deploy.rollback` on `db1`');
      expect(buttons(view.blocks)).toEqual([]);
    }
  });
});

describe('break-glass', () => {
  const run = aRun({ params: { title: 'Bad release — roll back (v2.4.0)' } });
  const step = aStep(run, 1, { title: 'Roll back to v2.4.0', action: 'deploy.rollback', params: { tag: 'v2.4.0' } });
  const record: BreakGlass = {
    id: 'bg_AAAAAAAAAAAAAAAAAAAAAA',
    approvalId: 'apr_AAAAAAAAAAAAAAAAAAAAAA',
    runId: run.id,
    stepId: step.id,
    incidentId: null,
    brokenBy: 'U0ALICE0001',
    reason: 'Trading is down <!channel> & nobody answers',
    typedTarget: 'v2.4.0',
    brokenAt: NOW,
    reviewedBy: null,
    reviewedAt: null,
    reviewNote: null,
  };
  const reviewed = { ...record, reviewedBy: 'U0CAROL0001', reviewedAt: NOW, reviewNote: 'Justified, checked.' };

  test(
    'an approval offered for break-glass has the button (its value the approval id); ' + 'one not offered has none',
    () => {
      const offered = renderApprovalMessage({
        approval: anApproval(step, { breakGlassOfferedAt: NOW }),
        step,
        run,
        now: NOW,
      });
      expect(valid(offered)).toContain('<@U0ALICE0001> may break the glass');
      expect(buttons(offered.blocks).map((b) => [b.action_id, b.value])).toContainEqual([
        ActionId.breakGlass,
        'apr_AAAAAAAAAAAAAAAAAAAAAA',
      ]);
      const early = renderApprovalMessage({ approval: anApproval(step), step, run, now: NOW });
      expect(buttons(early.blocks).map((b) => b.action_id)).not.toContain(ActionId.breakGlass);
      const broken = renderApprovalMessage({
        approval: anApproval(step, { state: 'approved', decidedBy: 'U0ALICE0001', decidedAt: NOW }),
        step,
        run,
        now: NOW,
        breakGlass: record,
      });
      expect(valid(broken)).toContain('Break-glass by <@U0ALICE0001>');
      expect(JSON.stringify(broken.blocks)).toContain('break-glass — needs review');
      expect(buttons(broken.blocks)).toEqual([]);
    },
  );

  test('its message: mentions, the reason escaped, Review until reviewed; then who reviewed and no button', () => {
    const open = renderBreakGlassPost(record, '<@U0CAROL0001>');
    const json = valid(open);
    expect(json).toContain('<@U0CAROL0001>');
    expect(json).toContain('&lt;!channel&gt; &amp; nobody answers');
    expect(open.text).toContain('<@U0CAROL0001>');
    expect(buttons(open.blocks).map((b) => [b.action_id, b.value])).toEqual([[ActionId.reviewBreakGlass, record.id]]);
    const done = renderBreakGlassPost(reviewed, '<@U0CAROL0001>');
    expect(valid(done)).toContain('reviewed* by <@U0CAROL0001>');
    expect(buttons(done.blocks)).toEqual([]);
  });

  test('the mark: needs review while any is open, reviewed by whom once all are; nothing without a break', () => {
    expect(breakGlassMark([])).toBeUndefined();
    expect(breakGlassMark([record, reviewed])).toContain('break-glass — needs review');
    expect(breakGlassMark([reviewed])).toContain('reviewed by <@U0CAROL0001>');
    const runView = renderRunMessage({ run, steps: [step], now: NOW, mark: breakGlassMark([record]) });
    expect(valid(runView)).toContain('break-glass — needs review');
    expect(runView.text).toContain('(break-glass — needs review)');
    expect(valid(renderIncidentParent(anIncident(), breakGlassMark([record])))).toContain('needs review');
  });

  test('the break-glass and review modals are valid and carry only ids in their metadata', () => {
    const place = { channel: 'C0OPS000001' };
    const form = breakGlassModal({
      approvalId: record.approvalId,
      place,
      stepTitle: step.title,
      action: step.action,
      host: step.host,
      expected: 'v2.4.0',
      targetKind: 'the release tag',
    });
    expect(validateView(form, 'modal')).toEqual([]);
    expect(JSON.parse(form.private_metadata!)).toEqual({ ...place, approvalId: record.approvalId });
    const review = reviewBreakGlassModal(record, step.title, place);
    expect(validateView(review, 'modal')).toEqual([]);
    expect(JSON.parse(review.private_metadata!)).toEqual({ ...place, breakGlassId: record.id });
  });
});

describe('restore approval: what it rewinds, in words', () => {
  const run = aRun({ params: { title: 'PostgreSQL database failure' } });
  const restore = (params: JsonObject) =>
    aStep(run, 3, {
      title: 'Restore',
      action: 'db.restore',
      params,
      approval: 'second_person',
      state: 'awaiting_approval',
    });

  test('only the missing tables from the bound file; the whole database says what it costs', () => {
    const sha256 = 'ab'.repeat(32);
    const some = valid(
      renderApprovalMessage({
        approval: anApproval(restore({ file: 'db_2026-02-27.sql', sha256, tables: ['trades_snapshot'] })),
        step: restore({ file: 'db_2026-02-27.sql', sha256, tables: ['trades_snapshot'] }),
        run,
        now: NOW,
      }),
    );
    expect(some).toContain('Restores only `trades_snapshot` from `db_2026-02-27.sql` (SHA-256 `abababababababab…`)');
    expect(some).toContain('every other table keeps the rows written since');
    const all = valid(
      renderApprovalMessage({
        approval: anApproval(restore({ file: 'db_2026-02-27.sql', sha256 })),
        step: restore({ file: 'db_2026-02-27.sql', sha256 }),
        run,
        now: NOW,
      }),
    );
    expect(all).toContain('Rewinds *every table* to `db_2026-02-27.sql`');
    expect(all).toContain('every row written since that dump is lost');
  });

  test(
    'the preview: exact file, size, full SHA-256, time and age, rows newer per table, missing tables; ' +
      "a hundred tables stay within Slack's section limit",
    () => {
      const sha256 = 'cd'.repeat(32);
      const takenAt = new Date(NOW.getTime() - 6 * 3600_000).toISOString();
      const rewind = [
        { table: 'positions', column: 'updated_at', newer: 0 },
        { table: 'settings', column: null, newer: null },
        { table: 'btc_price_log', column: 'ts', newer: 21600 },
      ];
      const preview = {
        file: 'db_2026-02-27.sql',
        bytes: 12 * 1024 * 1024,
        sha256,
        takenAt,
        tables: ['btc_price_log', 'positions', 'settings', 'trades_snapshot'],
        missingNow: ['trades_snapshot'],
        rewind,
        notInDump: ['after_dump'],
      };
      const step = { ...restore({ file: 'db_2026-02-27.sql', sha256 }), preview };
      const view = renderApprovalMessage({ approval: anApproval(step), step, run, now: NOW });
      const json = valid(view);
      expect(json).toContain('*File:* `db_2026-02-27.sql` · 12.0 MiB · taken <!date^');
      expect(json).toContain('(6.0 h ago)');
      expect(json).toContain(`*SHA-256:* \`${sha256}\``);
      // The biggest losses first, a table that cannot tell before one that loses nothing.
      expect(json).toContain(
        '*Rewinds:* `btc_price_log`: *21600* rows newer (by `ts`) · `settings`: no timestamp column, cannot tell · ' +
          '`positions`: nothing newer (by `updated_at`)',
      );
      expect(json).toContain('*Missing now:* `trades_snapshot`');
      expect(json).toContain('*Not in the dump (left as they are):* `after_dump`');
      // Restoring only some tables: only their rows are rewound, so only they are counted.
      const only = { ...restore({ file: 'db_2026-02-27.sql', sha256, tables: ['positions'] }), preview };
      const some = valid(renderApprovalMessage({ approval: anApproval(only), step: only, run, now: NOW }));
      expect(some).toContain('*Rewinds:* `positions`: nothing newer');
      expect(some).not.toContain('btc_price_log');
      // A hundred long table names: cut to fit Slack's section, saying how many more; the file and the
      // missing tables are never the part that is cut.
      const many = Array.from({ length: 100 }, (_, i) => ({
        table: `t_${i}_${'x'.repeat(50)}`,
        column: 'ts',
        newer: i,
      }));
      const big = { ...step, preview: { ...preview, rewind: [...rewind, ...many] } };
      const cut = valid(renderApprovalMessage({ approval: anApproval(big), step: big, run, now: NOW }));
      expect(cut).toContain('*Rewinds:* `btc_price_log`: *21600* rows newer');
      expect(cut).toMatch(/ · …and \d+ more tables\\n\*Missing now:\* `trades_snapshot`/);
      expect(cut).toContain(`*SHA-256:* \`${sha256}\``);
      // The host could not look: said, not hidden.
      const failed = { ...step, preview: { file: 'db_2026-02-27.sql', error: 'backup db_2026-02-27.sql not found' } };
      expect(valid(renderApprovalMessage({ approval: anApproval(failed), step: failed, run, now: NOW }))).toContain(
        ':warning: Could not look into `db_2026-02-27.sql` first: backup db_2026-02-27.sql not found',
      );
    },
  );
});

describe('incident parent', () => {
  test(
    'open: what failed, where, since when, severity; Acknowledge / Run recovery / Open checklist ' +
      'with the incident id',
    () => {
      const incident = anIncident();
      const view = renderIncidentParent(incident);
      const json = valid(view);
      for (const words of [
        '*What failed*\\ntrade_executor is FATAL',
        '*Where*\\n`db1/trade_executor`',
        '*Since*\\n<!date^',
        'SEV2',
      ])
        expect(json).toContain(words);
      expect(buttons(view.blocks).map((b) => [b.action_id, b.value])).toEqual([
        [ActionId.ackIncident, incident.id],
        [ActionId.runRecovery, incident.id],
        [ActionId.openChecklist, incident.id],
      ]);
    },
  );

  test("Run recovery opens the dump picker only where the incident's runbook restores a dump", () => {
    const restoring = new Set(['postgres-failure']);
    const db = anIncident({ scenario: 'postgres-failure', fingerprint: 'db:db1' });
    expect(
      buttons(renderIncidentParent(db, undefined, { restoringDump: restoring }).blocks).map((b) => [
        b.action_id,
        b.value,
      ]),
    ).toEqual([
      [ActionId.ackIncident, db.id],
      [ActionId.runRecoveryPickDump, db.id],
      [ActionId.openChecklist, db.id],
    ]);
    // The same label: the person sees one Run recovery, whichever way it starts.
    expect(buttons(renderIncidentParent(db, undefined, { restoringDump: restoring }).blocks)[1]!.text.text).toBe(
      'Run recovery',
    );
    // Other scenarios, and a renderer told of no restoring runbook, keep today's button.
    const crash = anIncident();
    expect(
      buttons(renderIncidentParent(crash, undefined, { restoringDump: restoring }).blocks).map((b) => b.action_id),
    ).toEqual([ActionId.ackIncident, ActionId.runRecovery, ActionId.openChecklist]);
    expect(buttons(renderIncidentParent(db).blocks).map((b) => b.action_id)).toContain(ActionId.runRecovery);
    const resolved = anIncident({ scenario: 'postgres-failure', status: 'resolved', resolvedAt: NOW });
    expect(
      buttons(renderIncidentParent(resolved, undefined, { restoringDump: restoring }).blocks).map((b) => b.action_id),
    ).toEqual([ActionId.rootCause]);
  });

  test('Point-in-time restore only where the runbook restores a dump, pitr-restore is loaded, unresolved', () => {
    const offers = { restoringDump: new Set(['postgres-failure']), offersPitr: true };
    const db = anIncident({ scenario: 'postgres-failure', fingerprint: 'db:db1' });
    const view = renderIncidentParent(db, undefined, offers);
    valid(view);
    expect(buttons(view.blocks).map((b) => [b.action_id, b.value])).toEqual([
      [ActionId.ackIncident, db.id],
      [ActionId.runRecoveryPickDump, db.id],
      [ActionId.pitrRestore, db.id],
      [ActionId.openChecklist, db.id],
    ]);
    expect(buttons(view.blocks)[2]!.text.text).toBe('Point-in-time restore');
    const ids = (incident: ReturnType<typeof anIncident>, o: Parameters<typeof renderIncidentParent>[2]) =>
      buttons(renderIncidentParent(incident, undefined, o).blocks).map((b) => b.action_id);
    // Without pitr-restore loaded, for a runbook that restores no dump, or once resolved: not offered.
    expect(ids(db, { restoringDump: offers.restoringDump })).not.toContain(ActionId.pitrRestore);
    expect(ids(db, { ...offers, offersPitr: false })).not.toContain(ActionId.pitrRestore);
    expect(ids(anIncident(), offers)).not.toContain(ActionId.pitrRestore);
    const acked = anIncident({ scenario: 'postgres-failure', status: 'acknowledged', acknowledgedBy: 'U1' });
    expect(ids(acked, offers)).toContain(ActionId.pitrRestore);
    const resolved = anIncident({ scenario: 'postgres-failure', status: 'resolved', resolvedAt: NOW });
    expect(ids(resolved, offers)).toEqual([ActionId.rootCause]);
  });

  test(
    'acknowledged: no Acknowledge; mitigated: Resolve offered; resolved: only the root cause is ' + 'left to write',
    () => {
      const acked = renderIncidentParent(
        anIncident({ status: 'acknowledged', acknowledgedBy: 'U0ALICE0001', acknowledgedAt: NOW }),
      );
      expect(valid(acked)).toContain('Acknowledged by <@U0ALICE0001>');
      expect(buttons(acked.blocks).map((b) => b.action_id)).toEqual([ActionId.runRecovery, ActionId.openChecklist]);
      const mitigated = renderIncidentParent(
        anIncident({ status: 'mitigated', acknowledgedBy: 'U0ALICE0001', acknowledgedAt: NOW, mitigatedAt: NOW }),
      );
      expect(valid(mitigated)).toContain('*Mitigated* — the checklist is green and the probes are healthy. Resolve?');
      expect(buttons(mitigated.blocks).map((b) => b.action_id)).toEqual([
        ActionId.resolveIncident,
        ActionId.runRecovery,
        ActionId.openChecklist,
      ]);
      const resolved = renderIncidentParent(
        anIncident({ status: 'resolved', resolvedBy: 'U0ALICE0001', resolvedAt: NOW, occurrences: 10 }),
      );
      expect(valid(resolved)).toContain('*Resolved* by <@U0ALICE0001>');
      expect(JSON.stringify(resolved.blocks)).toContain('seen 10×');
      expect(buttons(resolved.blocks).map((b) => [b.action_id, b.text.text])).toEqual([
        [ActionId.rootCause, 'Root cause & follow-ups'],
      ]);
    },
  );
});

const hostResult = (host: string, data: unknown, ok = true): HostResult =>
  ({
    host,
    action: 'service.status',
    requestId: 'r',
    ok,
    exitCode: ok ? 0 : 1,
    durationMs: 10,
    output: '',
    outputTruncated: false,
    outcomeUnknown: false,
    timedOut: false,
    data,
    ...(ok ? {} : { error: { code: 'host_unreachable', message: 'connect ECONNREFUSED' } }),
  }) as unknown as HostResult;

describe('answers', () => {
  test('status: hosts × programs, trouble first; thirty hosts still fit one message', () => {
    const programs = ['trade_manager', 'trade_executor', 'btc_price_watchdog'].map((name, i) => ({
      name,
      state: i === 1 ? 'FATAL' : 'RUNNING',
      pid: i === 1 ? null : 100 + i,
      uptime: i === 1 ? null : '1:00:00',
      description: i === 1 ? 'Exited too quickly' : 'pid 1',
    }));
    const view = renderStatus([hostResult('db1', { programs }), hostResult('app2', undefined, false)]);
    const json = valid(view);
    expect(json).toContain('*db1* — 2/3 running\\n:red_circle: `trade_executor` *FATAL* — Exited too quickly');
    expect(json).toContain(':x: *app2* — could not read status: connect ECONNREFUSED');
    const many = renderStatus(Array.from({ length: 30 }, (_, i) => hostResult(`host${i}`, { programs })));
    valid(many);
    expect(many.blocks.length).toBeLessThanOrEqual(50);
  });

  test('tail of 4,000 lines: the message shows what fits (within limits) and the file holds all of it', () => {
    const lines = Array.from(
      { length: 4000 },
      (_, i) => `2026-03-01 03:00:${String(i % 60).padStart(2, '0')} trade_executor heartbeat ${i}`,
    );
    const view = renderTail({ host: 'db1', service: 'trade_executor', lines, ok: true });
    const json = valid(view);
    expect(json).toContain('heartbeat 3999');
    expect(json).not.toContain('heartbeat 0\\n');
    expect(json).toMatch(/all 4000 lines are in the file/);
    expect(view.file?.content.split('\n').filter((l) => l !== '')).toEqual(lines);
    const short = renderTail({ host: 'db1', service: 'trade_executor', lines: lines.slice(0, 5), ok: true });
    valid(short);
    expect(short.file).toBeUndefined();
  });

  test('backups: ages, and a newest one older than 26 h is flagged', () => {
    const json = valid(
      renderBackups({
        type: 'backups',
        results: [
          hostResult('db1', { backups: [{ file: 'db_2026-02-27.sql', ageSeconds: 30 * 3600, bytes: 2_000_000 }] }),
        ],
      }),
    );
    expect(json).toContain(':warning: the newest is 30.0 h old (over 26 h)');
    expect(json).toContain('`db_2026-02-27.sql` — 30.0 h old, 1.9 MiB');
    expect(json).toContain('*Nightly restore test* — no result recorded yet');
  });

  test('backups: archives by kind (config offsite or not, logs, tables), retention, the last restore test', () => {
    const file = (name: string, kind: string, ageSeconds: number) => ({
      file: name,
      kind,
      ageSeconds,
      bytes: 4096,
      mode: '0600',
    });
    const json = valid(
      renderBackups({
        type: 'backups',
        results: [],
        archives: [
          hostResult('db1', {
            config: {
              files: [
                file('config_2026-02-27_031500.tar.age', 'config', 3600),
                file('config_2026-02-26_031500.tar.age', 'config', 90_000),
              ],
              offsite: { files: ['config_2026-02-26_031500.tar.age'] },
            },
            history: {
              files: [
                file('logs_2026-02-22_034500.tar.gz', 'logs', 400_000),
                file('btc_price_log_2026-02-22_034500.dump', 'btc_price_log', 400_000),
              ],
              keepDays: 90,
            },
          }),
        ],
        restoreTests: [
          {
            job: 'restore-test',
            host: 'db1',
            ok: false,
            subject: 'db_2026-02-27.sql',
            detail: 'backups cannot be restored: not a pg_dump custom-format archive',
            at: new Date('2026-02-27T04:30:00Z'),
            lastOk: new Date('2026-02-26T04:30:00Z'),
          },
        ],
      }),
    );
    expect(json).toContain('`config_2026-02-27_031500.tar.age` — config, 1.0 h old, 4.0 KiB, :warning: not offsite');
    expect(json).toContain('`config_2026-02-26_031500.tar.age` — config, 25.0 h old, 4.0 KiB, offsite');
    expect(json).toContain('`logs_2026-02-22_034500.tar.gz` — logs, 5 days old');
    expect(json).toContain('`btc_price_log_2026-02-22_034500.dump` — btc_price_log');
    expect(json).toContain('History archives kept: db1 90 days');
    expect(json).toContain(
      ':x: restore test on db1 FAILED 2026-02-27 04:30 UTC (db_2026-02-27.sql): backups cannot be restored: ' +
        'not a pg_dump custom-format archive; last passed 2026-02-26 04:30 UTC',
    );
  });

  test('help and any text answer', () => {
    valid(renderText(helpText({ services: ['trade_executor'], hosts: ['db1'], scenarios: ['service-crash'] })));
    valid(renderText('x'.repeat(50_000)));
  });
});

describe('modals', () => {
  const place = { channel: 'C0OPS000001' };
  test('rollback: tags newest first, the one before the current preselected, at most 100 options', () => {
    const tags = Array.from({ length: 150 }, (_, i) => `v2.${150 - i}.0`);
    const view = rollbackModal(tags, 'v2.150.0', place);
    expect(validateView(view, 'modal')).toEqual([]);
    const select = (view.blocks[1] as { element: { options: unknown[]; initial_option: { value: string } } }).element;
    expect(select.options).toHaveLength(100);
    expect(select.initial_option.value).toBe('v2.149.0');
    expect(JSON.parse(view.private_metadata!)).toEqual(place);
  });

  test(
    "Run recovery's dump picker: the dump lines of /recio restore, the newest local tested one preselected, " +
      'what the pick means, and the incident in its metadata',
    () => {
      const now = Date.parse('2026-02-28T06:00:00Z');
      const dump = (file: string, takenAt: string, more: Partial<DumpChoice> = {}): DumpChoice => ({
        file,
        where: 'local',
        takenAt,
        bytes: 2_500_000,
        sha256: 'a'.repeat(64),
        tested: null,
        offsite: true,
        ...more,
      });
      const dumps = [
        dump('db_2026-02-28.sql', '2026-02-28T03:15:00Z', { tested: { at: '2026-02-28T04:30:00Z', ok: false } }),
        dump('db_2026-02-27.sql', '2026-02-27T03:15:00Z', { tested: { at: '2026-02-27T04:30:00Z', ok: true } }),
        dump('db_2026-01-01.sql', '2026-01-01T03:15:00Z', { where: 'offsite', sha256: null, bytes: null }),
      ];
      const incident = { id: 'inc-1', title: 'Database tables missing on db1: positions' };
      const view = recoveryDumpModal(incident, { type: 'choose_dump', host: 'db1', dumps }, place, now);
      expect(validateView(view, 'modal')).toEqual([]);
      expect(view.callback_id).toBe(CallbackId.recoveryDumpModal);
      expect(JSON.parse(view.private_metadata!)).toEqual({ ...place, incidentId: 'inc-1' });
      const input = view.blocks.find((b) => b.block_id === BlockId.dump) as {
        element: { action_id: string; options: Array<{ text: { text: string }; value: string }> };
      } & { element: { initial_option: { value: string } } };
      expect(input.element.action_id).toBe(ActionId.dumpSelect);
      expect(input.element.options.map((o) => [o.value, o.text.text])).toEqual([
        ['db_2026-02-28.sql', '2026-02-28 03:15 · 2.8 h · 2.4 MiB · local+offsite · test FAILED'],
        ['db_2026-02-27.sql', '2026-02-27 03:15 · 26.8 h · 2.4 MiB · local+offsite · tested ok'],
        ['db_2026-01-01.sql', '2026-01-01 03:15 · 58 days · size ? · offsite only · untested'],
      ]);
      // The newest local dump whose restore test did not fail.
      expect(input.element.initial_option.value).toBe('db_2026-02-27.sql');
      const text = JSON.stringify(view.blocks);
      expect(text).toContain('Dumps on `db1`: 2 local, 1 only offsite.');
      expect(text).toContain("The dump is used only if the runbook's `\\\\dt` check finds tables missing");
      expect(text).toContain('then only those tables are restored');
      expect(text).toContain('A second lead_operator approves after seeing the exact file');
      // No tables field: the \dt check decides which tables.
      expect(view.blocks.some((b) => b.block_id === BlockId.tables)).toBe(false);

      const none = recoveryDumpModal(
        incident,
        { type: 'choose_dump', host: 'db1', dumps: [], error: 'backup.list failed' },
        place,
        now,
      );
      expect(validateView(none, 'modal')).toEqual([]);
      expect(none.callback_id).toBe(CallbackId.recoveryDumpModal);
      expect(none.blocks.some((b) => b.block_id === BlockId.dump)).toBe(false);
      expect(JSON.stringify(none.blocks)).toContain('Could not list the dumps: backup.list failed.');
      expect(JSON.stringify(none.blocks)).toContain('the restore binds the newest dump');
    },
  );

  test(
    'point-in-time restore: the window in UTC, the target prefilled as detection minus the margin and ' +
      'editable, what it rewinds; nothing to submit when the window cannot be read',
    () => {
      const openedAt = new Date('2026-02-28T06:00:30.750Z');
      const offer: PitrOffer = {
        type: 'pitr_offer',
        incident: { id: 'inc-1', title: 'Database tables missing on db1: positions', openedAt },
        host: 'db1',
        window: {
          from: '2026-02-27T03:16:02.000Z',
          to: '2026-02-28T06:01:10.000Z',
          toSource: 'live',
          backups: [],
          wal: null,
        },
        proposed: proposeTarget(openedAt, 60),
        marginSeconds: 60,
      };
      const view = pitrModal(offer, place);
      expect(validateView(view, 'modal')).toEqual([]);
      expect(view.callback_id).toBe(CallbackId.pitrModal);
      expect(view.submit?.text).toBe('Restore to this time');
      expect(JSON.parse(view.private_metadata!)).toEqual({ ...place, incidentId: 'inc-1' });
      const input = view.blocks.find((b) => b.block_id === BlockId.pitrTarget) as {
        type: string;
        element: { type: string; action_id: string; initial_value: string };
      };
      expect(input.type).toBe('input');
      expect(input.element).toMatchObject({ type: 'plain_text_input', action_id: ActionId.pitrTarget });
      // 06:00:30.750 detected, 60 s of margin, to the whole second.
      expect(input.element.initial_value).toBe('2026-02-28 05:59:30');
      const text = JSON.stringify(view.blocks);
      expect(text).toContain('*Recoverable window* on `db1` (UTC): 2026-02-27 03:16:02 .. 2026-02-28 06:01:10');
      expect(text).toContain('the detection time 2026-02-28 06:00:30 minus 60 s');
      expect(text).toContain('The *whole cluster* rewinds to that second');
      expect(text).toContain('a second lead_operator approves by typing the time');

      const unread = pitrModal({ ...offer, window: null, error: 'pgbackrest: stanza missing' }, place);
      expect(validateView(unread, 'modal')).toEqual([]);
      expect(unread.submit).toBeUndefined();
      expect(unread.blocks.some((b) => b.block_id === BlockId.pitrTarget)).toBe(false);
      expect(JSON.stringify(unread.blocks)).toContain(
        'Could not read the recoverable window on `db1`: pgbackrest: stanza missing.',
      );
      const empty = pitrModal({ ...offer, window: { ...offer.window!, from: null, to: null } }, place);
      expect(validateView(empty, 'modal')).toEqual([]);
      expect(empty.submit).toBeUndefined();
      expect(JSON.stringify(empty.blocks)).toContain('holds no base backup yet');
    },
  );

  test('service picker, typed confirmation, loading and notices are valid modals', () => {
    const oneHost = serviceModal('restart', ['trade_executor', 'trade_manager'], place, ['db1']);
    expect(validateView(oneHost, 'modal')).toEqual([]);
    expect(oneHost.blocks).toHaveLength(1);
    const twoHosts = serviceModal('restart', ['trade_executor', 'trade_manager'], place, ['app1', 'app2']);
    expect(validateView(twoHosts, 'modal')).toEqual([]);
    expect(twoHosts.blocks).toHaveLength(2);
    const confirm = confirmApprovalModal({
      approvalId: 'apr_AAAAAAAAAAAAAAAAAAAAAA',
      place,
      stepTitle: 'Roll back to v2.4.0',
      action: 'deploy.rollback',
      host: 'db1',
      expected: 'v2.4.0',
      targetKind: 'the release tag',
    });
    expect(validateView(confirm, 'modal')).toEqual([]);
    expect(JSON.parse(confirm.private_metadata!)).toEqual({ ...place, approvalId: 'apr_AAAAAAAAAAAAAAAAAAAAAA' });
    expect(validateView(loadingModal('Roll back', 'Reading tags…'), 'modal')).toEqual([]);
    expect(
      validateView(
        rootCauseModal(
          '0b9d7c1e-0000-4000-8000-000000000000',
          'x'.repeat(500),
          { rootCause: 'y'.repeat(5000), followUps: null },
          place,
        ),
        'modal',
      ),
    ).toEqual([]);
    expect(
      validateView(noticeModal('A title far longer than twenty-four characters', 'x'.repeat(5000)), 'modal'),
    ).toEqual([]);
  });
});
