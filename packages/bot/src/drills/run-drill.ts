import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Answer } from '../operations/types.js';
import { approverFor, DRILL_ACTOR, drillOrigin } from './drill-actors.js';
import { finishDrillRecord, openDrillRecord, type DrillRecord } from './drill-record.js';
import { describeSteps, driveRun } from './drive-run.js';
import {
  DEFAULT_TIMEOUTS,
  type DrillContext,
  type DrillOptions,
  type DrillResult,
  type DrillTarget,
  type DrillTimeouts,
  type PreparedBreak,
} from './drill-types.js';
import { recoverCascade } from './cascade.js';
import type { Actor, Incident } from '../domain/index.js';

/** Polls `probe` until it returns a value, or undefined at the bound. */
async function within<T>(ms: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > until) return value;
    await sleep(everyMs);
  }
}

function runOf(answer: Answer, what: string): string {
  if (answer.type !== 'run')
    throw new RecioError(
      ErrorCode.ActionFailed,
      `${what} did not start a run: ${'text' in answer ? answer.text : answer.type}`,
    );
  return answer.run.id;
}

/** Everything one drill shares between its phases. */
interface Drill {
  ctx: DrillContext;
  options: DrillOptions;
  timeouts: DrillTimeouts;
  prepared: PreparedBreak;
  approver: Actor;
  record: DrillRecord;
  result: DrillResult;
  brokeAt: number;
  act(what: string): void;
  progress(line: string): void;
}

const since = (d: Drill) => performance.now() - d.brokeAt;

/** A drill past its refusals: its record exists, and `finished` settles with the result (it never rejects). */
export interface StartedDrill {
  drillId: string;
  variant: string;
  finished: Promise<DrillResult>;
}

/**
 * §5 "Test recovery quarterly", as a command: breaks one scenario on a sandbox or a staging fleet,
 * waits for the monitor to open the incident, drives the recovery through the same core the Slack
 * buttons call (as `drill`, with a second person for approvals), takes the checklist to green
 * (ticking the hand item itself), resolves, and records it all as an incident of kind `drill`.
 * Refusals (an unhealthy target, a fault that cannot be made safely, an approver without the role,
 * the same fault already open) throw before anything is broken or recorded.
 */
export async function beginDrill(ctx: DrillContext, target: DrillTarget, options: DrillOptions): Promise<StartedDrill> {
  const progress = options.onProgress ?? (() => undefined);
  const approver = await approverFor(ctx, options.approveAs);
  const prepared = await target.prepare(options.scenario, options.flags ?? {}, ctx);
  for (const fingerprint of prepared.fingerprints) {
    const open = await ctx.store.incidents.findUnresolved(fingerprint);
    if (open)
      throw new RecioError(
        ErrorCode.InvalidRequest,
        `an incident for this fault is open already (${open.id.slice(0, 8)}: ${open.title}): ` +
          'resolve it before drilling the same fault',
      );
  }
  const stopMonitor = await ctx.ensureMonitor();
  const record = await openDrillRecord(ctx, {
    scenario: options.scenario,
    variant: prepared.variant,
    target: target.label,
    startedBy: options.startedBy,
    approveAs: approver.id,
  });
  ctx.notify?.();
  const result: DrillResult = {
    drillId: record.id,
    scenario: options.scenario,
    variant: prepared.variant,
    target: target.label,
    ok: false,
    operatorActions: [],
    failures: [],
    alsoOpened: [],
    startedAt: new Date().toISOString(),
  };
  const d: Drill = {
    ctx,
    options,
    prepared,
    approver,
    record,
    result,
    progress,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    brokeAt: 0,
    act: (what) => {
      result.operatorActions.push(what);
      progress(`  ${(since(d) / 1000).toFixed(1)} s  ${what}`);
    },
  };
  const finished = (async () => {
    try {
      await phases(d);
    } catch (error) {
      result.failures.push(error instanceof Error ? error.message : String(error));
    } finally {
      // The outside world's part of the fault must not outlive the drill (a stand-in left answering 503).
      if (prepared.external && !prepared.external.ended) await prepared.external.end().catch(() => undefined);
      await stopMonitor().catch(() => undefined);
    }
    result.ok = result.failures.length === 0;
    await finishDrillRecord(ctx, record, result, options.startedBy).catch((error: Error) =>
      result.failures.push(`the drill's record could not be written: ${error.message}`),
    );
    ctx.notify?.();
    return result;
  })();
  return { drillId: record.id, variant: prepared.variant, finished };
}

/** A whole drill: its refusals throw; once started, the result says what passed and what failed. */
export async function runDrill(ctx: DrillContext, target: DrillTarget, options: DrillOptions): Promise<DrillResult> {
  return (await beginDrill(ctx, target, options)).finished;
}

async function phases(d: Drill): Promise<void> {
  const { ctx, result } = d;
  const started = new Date();
  // Times run from the moment the break begins: a bad deploy's programs fail during its own restart.
  d.brokeAt = performance.now();
  const summary = await d.prepared.inject();
  result.breakTookMs = since(d);
  for (const line of summary) d.progress(`broke in ${(since(d) / 1000).toFixed(1)} s: ${line}`);
  await d.record.note('drill_break', summary.join('; '));

  const incident = await detect(d, started);
  result.incidentId = incident.id;
  result.timeToDetectMs = since(d);
  d.progress(`  ${(since(d) / 1000).toFixed(1)} s  detected: ${incident.title} (incident ${incident.id.slice(0, 8)})`);
  await d.record.note('drill_detected', `${incident.title} after ${Math.round(result.timeToDetectMs)} ms`, {
    incidentId: incident.id,
  });
  await ctx.store.timeline.add({
    incidentId: incident.id,
    actor: 'drill',
    kind: 'note',
    text:
      `This fault was injected on purpose by drill ${d.record.id.slice(0, 8)} ` +
      `(${d.options.scenario}, ${d.prepared.variant}).`,
    detail: { drillId: d.record.id },
  });

  await recover(d, incident);
  result.timeToRecoveredMs = since(d);
  await recoverCascade(d, incident.id, started);

  await checklistGreen(d, incident);
  result.timeToGreenMs = since(d);
  await resolve(d, incident, started);
  result.timeToResolvedMs = since(d);
}

async function detect(d: Drill, started: Date): Promise<Incident> {
  const found = await within(d.timeouts.detectMs, async () => {
    for (const fingerprint of d.prepared.fingerprints) {
      const incident = await d.ctx.store.incidents.findUnresolved(fingerprint);
      if (incident) return incident;
    }
    return undefined;
  });
  if (found) return found;
  const others = (await d.ctx.store.incidents.listUnresolved()).filter(
    (i) => i.openedAt >= started && i.kind !== 'drill',
  );
  const instead = others.length ? ` (opened instead: ${others.map((i) => i.title).join('; ')})` : '';
  throw new RecioError(
    ErrorCode.StepTimeout,
    `not detected: no incident ${d.prepared.fingerprints.join(' or ')} ` +
      `within ${Math.round(d.timeouts.detectMs / 1000)} s${instead}`,
  );
}

/**
 * Acknowledge and Run recovery, as from the parent message. A recovery that fails is run once more,
 * as an operator would after reading the thread (a crash-looping program restarted before
 * supervisord gave up on it comes back only on the second try).
 */
async function recover(d: Drill, incident: Incident): Promise<void> {
  const { ctx } = d;
  await ctx.desk.acknowledge(incident.id, DRILL_ACTOR, drillOrigin(ctx, `ack:${incident.id}`));
  d.act('acknowledge');
  for (let attempt = 1; ; attempt++) {
    const answer = await ctx.desk.runRecovery(
      incident.id,
      DRILL_ACTOR,
      drillOrigin(ctx, `recover:${incident.id}:${attempt}`),
    );
    d.act(attempt === 1 ? 'run recovery' : 'run recovery again');
    const runId = runOf(answer, 'Run recovery');
    const run = await driveRun(ctx, runId, {
      timeoutMs: d.timeouts.recoverMs,
      approver: d.approver,
      act: d.act,
      ...(d.prepared.external ? { external: d.prepared.external } : {}),
    });
    if (run.state === 'succeeded') return;
    const steps = await describeSteps(ctx, runId);
    if (attempt >= 2)
      throw new RecioError(
        ErrorCode.ActionFailed,
        `the recovery (${incident.scenario}) ended ${run.state} twice: ${steps}`,
      );
    d.progress(`  recovery ended ${run.state}: ${steps}`);
  }
}

/**
 * Open checklist; the probes tick; the hand item is confirmed once every other item passed; green or
 * not within the bound.
 */
async function checklistGreen(d: Drill, incident: Incident): Promise<void> {
  const { ctx } = d;
  const answer = await ctx.desk.openChecklist(incident.id, DRILL_ACTOR, drillOrigin(ctx, `checklist:${incident.id}`));
  d.act('open checklist');
  const runId = runOf(answer, 'Open checklist');
  let run: Awaited<ReturnType<typeof driveRun>>;
  try {
    run = await driveRun(ctx, runId, {
      timeoutMs: d.timeouts.greenMs,
      approver: d.approver,
      act: d.act,
      readyToConfirm: (step, steps) =>
        step.action !== 'check.manual' || steps.every((s) => s.id === step.id || s.state === 'succeeded'),
    });
  } catch (error) {
    // Its probes would retry for ten minutes more: the drill stops them, and says which failed.
    await ctx.ops
      .cancelRun(runId, DRILL_ACTOR, drillOrigin(ctx, `cancel:${runId}`))
      .catch((cancelError: unknown) =>
        d.result.failures.push(`cancelling the checklist failed: ${String(cancelError)}`),
      );
    throw new RecioError(
      ErrorCode.StepTimeout,
      `the checklist did not go green within ${Math.round(d.timeouts.greenMs / 1000)} s: ` +
        (await describeSteps(ctx, runId)),
      {},
      { cause: error },
    );
  }
  if (run.state !== 'succeeded')
    throw new RecioError(
      ErrorCode.ActionFailed,
      `the checklist ended ${run.state}: ${await describeSteps(ctx, runId)}`,
    );
  d.progress(`  ${(since(d) / 1000).toFixed(1)} s  checklist GREEN`);
}

/**
 * Resolve, once the desk offers it (checklist green, the monitor sees the fault healthy); then what the
 * fault also opened.
 */
async function resolve(d: Drill, incident: Incident, started: Date): Promise<void> {
  const { ctx } = d;
  const mitigated = await within(
    d.timeouts.resolveMs,
    async () => {
      await ctx.desk.offerResolveIfReady(incident.id);
      return (await ctx.store.incidents.get(incident.id))?.status === 'mitigated' ? true : undefined;
    },
    500,
  );
  if (!mitigated)
    throw new RecioError(
      ErrorCode.StepTimeout,
      `Resolve was not offered within ${Math.round(d.timeouts.resolveMs / 1000)} s of green: ` +
        `the monitor does not see ${incident.fingerprint} healthy`,
    );
  await ctx.desk.resolve(incident.id, DRILL_ACTOR, drillOrigin(ctx, `resolve:${incident.id}`));
  d.act('resolve');
  // The checklist is green, so what else the same fault opened is over too: closed, and listed.
  const others = (await ctx.store.incidents.listUnresolved()).filter(
    (i) => i.openedAt >= started && i.kind === 'incident' && i.openedBy === 'monitor',
  );
  for (const other of others) {
    await ctx.desk.resolve(other.id, DRILL_ACTOR, drillOrigin(ctx, `resolve:${other.id}`));
    d.act(`resolve (also opened): ${other.title}`);
    if (!d.result.alsoOpened.includes(other.title)) d.result.alsoOpened.push(other.title);
  }
}

export type { Drill };
