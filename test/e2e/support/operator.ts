import { EVENT_BOUND_MS } from '../../support/bounds.js';
import { expect, vi } from 'vitest';
import type { MessageRecord } from '@recio/slack-emulator/index';
import { incidentPostKey } from '@recio/bot/runbooks/run-notices';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import type { ViewRecord } from '@recio/slack-emulator/index';
import { readable } from '../../slack/helpers.js';
import { OPS, type E2EStack } from './stack.js';
import type { Incident, Run } from '@recio/bot/domain/index';

export { readable };

/** Action ids of the buttons a message shows now. */
export function buttonsOf(message: Pick<MessageRecord, 'blocks'> | undefined): string[] {
  return (message?.blocks ?? []).flatMap((b) => {
    const block = b as { type?: string; elements?: Array<{ action_id?: string }> };
    return block.type === 'actions' ? (block.elements ?? []).map((e) => e.action_id ?? '') : [];
  });
}

/**
 * Waits for a state, polling with a bound: real sshd, supervisord and two PostgreSQL clusters run
 * beside another e2e file on two cores, so bounds are generous (at least EVENT_BOUND_MS); a test
 * never sleeps and hopes.
 */
export function eventually<T>(check: () => T | Promise<T>, timeoutMs = EVENT_BOUND_MS, intervalMs = 200): Promise<T> {
  return vi.waitFor(check, { timeout: timeoutMs, interval: intervalMs });
}

/** One thing a person did in Slack for the recovery: the figure the plan's typed commands are held against. */
export interface OperatorAction {
  user: string;
  what: string;
}

/**
 * The people in the ops channel, acting only through Slack (signed deliveries from the emulator):
 * every click, command and modal submission is counted.
 */
export class Operators {
  readonly actions: OperatorAction[] = [];

  constructor(private readonly stack: E2EStack) {}

  private get slack() {
    return this.stack.slack;
  }

  /** The incident the monitor opened for `fingerprint`, once its parent message is in the channel. */
  async incidentPosted(
    fingerprint: string,
    timeoutMs = EVENT_BOUND_MS,
  ): Promise<{ incident: Incident; parent: MessageRecord }> {
    return eventually(async () => {
      const incident = await this.stack.bot.core.store.incidents.findUnresolved(fingerprint);
      if (incident === undefined) throw new Error(`no open incident ${fingerprint} yet`);
      const parent = await this.parentOf(incident.id);
      if (parent === undefined) throw new Error(`incident ${fingerprint} has no parent message yet`);
      return { incident, parent };
    }, timeoutMs);
  }

  async parentOf(incidentId: string): Promise<MessageRecord | undefined> {
    const ts = (await this.stack.bot.core.store.outbox.getByDedupeKey(incidentPostKey(incidentId)))?.slackTs;
    return ts ? this.slack.state.message(OPS, ts) : undefined;
  }

  /** The parent message as it reads now (the bot rewrites it as the incident moves). */
  async parentNow(incidentId: string): Promise<MessageRecord> {
    const parent = await this.parentOf(incidentId);
    if (parent === undefined) throw new Error('the incident has no parent message');
    return parent;
  }

  thread(parent: MessageRecord): MessageRecord[] {
    return this.slack.state.repliesTo(OPS, parent.ts);
  }

  /** A reply in the incident's thread that reads `text` and offers `actionId`. */
  async replyWithButton(
    parent: MessageRecord,
    text: string | RegExp,
    actionId: string,
    timeoutMs = EVENT_BOUND_MS,
  ): Promise<MessageRecord> {
    return eventually(
      () => {
        const found = this.thread(parent).find(
          (m) =>
            (typeof text === 'string' ? readable(m).includes(text) : text.test(readable(m))) &&
            buttonsOf(m).includes(actionId),
        );
        if (found === undefined)
          throw new Error(
            `no reply with "${String(text)}" and ${actionId} in the thread yet:\n` +
              this.thread(parent).map(readable).join('\n---\n'),
          );
        return found;
      },
      timeoutMs,
      250,
    );
  }

  async click(user: string, message: MessageRecord, actionId: string, what: string): Promise<void> {
    this.actions.push({ user, what });
    const delivery = await this.slack.deliver.click({ user, channel: OPS, ts: message.ts, actionId });
    if (delivery.attempts.at(-1)?.status !== 200)
      throw new Error(`${what}: Slack's delivery got ${delivery.attempts.at(-1)?.status ?? 'no answer'}`);
  }

  /**
   * A button on an incident's parent whose click opens a loading modal, filled once the host
   * answered over SSH (Run recovery's dump picker, point-in-time restore). Resolves with the filled
   * modal as the person sees it.
   */
  private async openIncidentModal(
    user: string,
    parent: MessageRecord,
    actionId: string,
    what: string,
    callbackId: string,
  ): Promise<ViewRecord> {
    await this.click(user, parent, actionId, what);
    return eventually(
      () => {
        const view = this.slack.state.openModal(user);
        if (view?.view.callback_id !== callbackId)
          throw new Error(`${what}: the modal is not filled yet (open: ${String(view?.view.callback_id)})`);
        return view;
      },
      60_000,
      250,
    );
  }

  /** Such a button clicked by someone without the operate role: refused in the modal and privately, audited. */
  async expectRefusedModal(user: string, parent: MessageRecord, actionId: string, incidentId: string): Promise<void> {
    await this.slack.deliver.click({ user, channel: OPS, ts: parent.ts, actionId });
    await eventually(() => expect(this.answersTo(user).at(-1)).toContain('Not allowed'), 60_000);
    const seen = this.slack.state.openModal(user);
    expect(seen?.view.callback_id).toBe(CallbackId.noticeModal);
    expect(readable({ text: '', blocks: seen!.view.blocks as unknown[] })).toContain(':no_entry: Not allowed');
    const denied = await this.stack.storeDb.query(
      `SELECT actor, target FROM audit_log WHERE action = 'request.denied' ORDER BY id DESC LIMIT 1`,
    );
    expect(denied.rows[0]).toEqual({ actor: user, target: `incident:${incidentId}` });
  }

  /** Run recovery on an incident whose runbook restores a dump: the dump picker, listed over SSH. */
  openRecoveryPicker(user: string, parent: MessageRecord): Promise<ViewRecord> {
    return this.openIncidentModal(
      user,
      parent,
      ActionId.runRecoveryPickDump,
      'Run recovery',
      CallbackId.recoveryDumpModal,
    );
  }

  /** Submits the open dump picker with `file` (or the dump it preselected). */
  async pickDump(user: string, file?: string): Promise<void> {
    this.actions.push({ user, what: `pick ${file ?? 'the preselected dump'} and submit` });
    const delivery = await this.slack.deliver.submitView({
      user,
      ...(file === undefined ? {} : { values: { [BlockId.dump]: file } }),
    });
    if (delivery.attempts.at(-1)?.status !== 200)
      throw new Error(`the dump picker: Slack's delivery got ${delivery.attempts.at(-1)?.status ?? 'no answer'}`);
  }

  /** Point-in-time restore on an incident's parent: the target modal, once the window is read over SSH. */
  openPitrModal(user: string, parent: MessageRecord): Promise<ViewRecord> {
    return this.openIncidentModal(user, parent, ActionId.pitrRestore, 'Point-in-time restore', CallbackId.pitrModal);
  }

  /** Submits the open PITR modal with the target as typed (or the proposed one, untouched). */
  async submitPitrTarget(user: string, typed?: string): Promise<void> {
    this.actions.push({ user, what: typed === undefined ? 'submit the proposed time' : `type ${typed} and submit` });
    const delivery = await this.slack.deliver.submitView({
      user,
      ...(typed === undefined ? {} : { values: { [BlockId.pitrTarget]: typed } }),
    });
    if (delivery.attempts.at(-1)?.status !== 200)
      throw new Error(`the PITR modal: Slack's delivery got ${delivery.attempts.at(-1)?.status ?? 'no answer'}`);
  }

  async command(user: string, text: string, what: string): Promise<void> {
    this.actions.push({ user, what });
    await this.slack.deliver.slashCommand({ user, channel: OPS, text });
  }

  /**
   * A second lead_operator approves a destructive step: Approve, then the typed-target modal the
   * Slack surface requires (two actions, as in Slack).
   */
  async approve(user: string, approvalMessage: MessageRecord, typed: string): Promise<void> {
    await this.click(user, approvalMessage, ActionId.approve, 'Approve');
    // The click opens a loading view at once and turns it into the confirmation after its checks.
    await eventually(() => {
      const view = this.slack.state.openModal(user);
      if (view?.view.callback_id !== CallbackId.confirmApprovalModal)
        throw new Error(`the typed confirmation modal did not open (showing: ${view?.view.callback_id ?? 'nothing'})`);
    });
    this.actions.push({ user, what: `type ${typed} and submit` });
    await this.slack.deliver.submitView({ user, values: { [BlockId.typedName]: typed } });
  }

  /**
   * §3 from the incident: Open checklist, the five probes tick themselves, a lead_operator
   * confirms the trades item, the checklist reads GREEN.
   */
  async checklistToGreen(user: string, incidentId: string, parent: MessageRecord): Promise<void> {
    await this.click(user, await this.parentNow(incidentId), ActionId.openChecklist, 'Open checklist');
    const checklist = await this.replyWithButton(
      parent,
      'Recovery Verification Checklist',
      ActionId.confirmStep,
      90_000,
    );
    const reads = () => readable(this.slack.state.message(OPS, checklist.ts)!);
    await eventually(() => expect(reads()).toContain('5 of 6 items done'), 90_000);
    await this.click(user, checklist, ActionId.confirmStep, 'Confirm: trades can be placed');
    await eventually(() => expect(reads()).toContain('*GREEN* — every item passed'));
  }

  /** Resolve, once the parent offers it (green and healthy); the report is then uploaded into the thread. */
  async resolve(user: string, incidentId: string, parent: MessageRecord) {
    await eventually(async () =>
      expect(buttonsOf(await this.parentNow(incidentId)), await this.timeline(incidentId)).toContain(
        ActionId.resolveIncident,
      ),
    );
    await this.click(user, await this.parentNow(incidentId), ActionId.resolveIncident, 'Resolve');
    return this.reportFile(incidentId, parent);
  }

  /** The incident report uploaded into the thread, once it is there (step outputs are files in the thread too). */
  async reportFile(incidentId: string, parent: MessageRecord) {
    const name = `incident-${incidentId.slice(0, 8)}.md`;
    return eventually(() => {
      const file = this.slack.state.files.find((f) => f.completed && f.threadTs === parent.ts && f.filename === name);
      if (file === undefined)
        throw new Error(
          `no ${name} in the thread yet (files: ${this.slack.state.files.map((f) => f.filename).join(', ')})`,
        );
      return file;
    });
  }

  /** Ephemeral answers a user saw in the ops channel, newest last. */
  answersTo(user: string): string[] {
    return this.slack.state.ephemeralsFor(user, OPS).map(readable);
  }

  /** The incident's runs in the store, oldest first. */
  async runsOf(incidentId: string): Promise<Run[]> {
    const events = await this.stack.bot.core.store.timeline.list({ incidentId });
    const ids = [...new Set(events.map((e) => e.runId).filter((id): id is string => id !== null))];
    const runs = await Promise.all(ids.map((id) => this.stack.bot.core.store.runs.get(id)));
    return runs.filter((r): r is Run => r !== undefined).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** A run's steps as lines (state, title, what came back): the message of a failed expectation. */
  async describeRun(run: Run): Promise<string> {
    const steps = await this.stack.bot.core.store.runs.steps(run.id);
    return [
      `${run.scenario} ${run.state}`,
      ...steps.map((s) => `  ${s.state} ${s.title}: ${JSON.stringify(s.result ?? {}).slice(0, 600)}`),
    ].join('\n');
  }

  /** The incident's timeline as lines: what happened when the parent message does not show what a test waits for. */
  async timeline(incidentId: string): Promise<string> {
    const events = await this.stack.bot.core.store.timeline.list({ incidentId });
    return events.map((e) => `${e.at.toISOString().slice(11, 23)} ${e.actor} ${e.kind}: ${e.text}`).join('\n');
  }

  /** The incident's run of `scenario`, once it has ended (any end: the test asserts which). */
  async runEnded(incidentId: string, scenario: string, timeoutMs = 90_000): Promise<Run> {
    return eventually(
      async () => {
        const run = (await this.runsOf(incidentId)).filter((r) => r.scenario === scenario).at(-1);
        if (run === undefined || ['pending', 'running', 'awaiting_approval'].includes(run.state))
          throw new Error(`${scenario} run is ${run?.state ?? 'not started'}`);
        return run;
      },
      timeoutMs,
      250,
    );
  }
}
