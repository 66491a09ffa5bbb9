import type { Db } from './db.js';
import { PRESENCE_CLASS } from './lock-keys.js';
import { toLock, type ServiceLock } from './locks.js';
import type { Repos } from './repos.js';
import { toRun, type RunRow } from './runs.js';
import { STEP_COLUMNS, toStep, type StepRow } from './steps.js';
import type { Run, Step } from '../domain/run.js';
import { repeatableAfterCrash } from '@recio/protocol/actions';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** A step found running with nobody behind it, and what recovery did with it. */
export interface RecoveredStep {
  /** The step after recovery: `interrupted` (outcome unknown), or `pending` again if idempotent. */
  step: Step;
  run: Run;
  /** `owner_gone`: its instance has no session any more; `lease_expired`: its owner stopped renewing. */
  reason: 'owner_gone' | 'lease_expired';
  previousOwner: string;
  requeued: boolean;
  /** The outbox row that tells Slack, if the run has somewhere to tell it. */
  outboxKey: string | null;
}

export interface RecoveryReport {
  steps: RecoveredStep[];
  /** Service locks whose holding instance is gone, now released. */
  locksReleased: ServiceLock[];
}

export interface RecoveryOptions {
  /** Where to tell about runs that have no channel of their own (nor an incident with one). */
  fallbackChannel?: string | null;
  /**
   * An instance shutting down past its deadline: its own running steps count as abandoned
   * (interrupted, outcome unknown) even though its presence lock is still held.
   */
  abandonedBy?: string;
}

/**
 * Finds steps left `running` by an instance that died or stopped renewing its lease. Each becomes
 * `interrupted` — its outcome is unknown, so it is never reported as a success — and its run stops
 * there; the timeline, the audit log and an outbox message say so, all in one transaction. A step
 * declared idempotent whose action changes nothing goes back to `pending` instead, to be run again
 * (never a dangerous or mutating one, whatever its row says). Also frees service locks
 * held by instances that are gone. Safe to run from several replicas at once.
 */
export async function recoverInterrupted(
  db: Db,
  bind: (tx: Db) => Repos,
  options: RecoveryOptions = {},
): Promise<RecoveryReport> {
  return db.transaction(async (tx) => {
    const repos = bind(tx);
    const gone = ownerGoneCheck(tx);
    const candidates = await tx.query<StepRow & { expired: boolean }>(
      `SELECT ${STEP_COLUMNS}, lease_until <= now() AS expired FROM run_steps
        WHERE state = 'running' ORDER BY lease_until FOR UPDATE SKIP LOCKED`,
    );
    const recovered: RecoveredStep[] = [];
    for (const candidate of candidates) {
      const previousOwner = candidate.owner ?? 'unknown';
      const ownerGone = previousOwner === options.abandonedBy || (await gone(previousOwner));
      if (!candidate.expired && !ownerGone) continue;
      const reason = ownerGone ? 'owner_gone' : 'lease_expired';
      recovered.push(await recoverStep(tx, repos, toStep(candidate), reason, previousOwner, options));
    }
    const locksReleased: ServiceLock[] = [];
    const locks = await tx.query<Parameters<typeof toLock>[0]>('SELECT * FROM locks FOR UPDATE SKIP LOCKED');
    for (const row of locks) {
      if (row.instance_id !== options.abandonedBy && !(await gone(row.instance_id))) continue;
      await tx.query('DELETE FROM locks WHERE host = $1 AND service = $2 AND instance_id = $3', [
        row.host,
        row.service,
        row.instance_id,
      ]);
      const lock = toLock(row);
      await repos.audit.append({
        actor: 'system',
        action: 'lock.released',
        target: `${lock.host}/${lock.service}`,
        outcome: 'owner_gone',
        detail: { owner: lock.owner, instanceId: lock.instanceId },
      });
      locksReleased.push(lock);
    }
    return { steps: recovered, locksReleased };
  });
}

/**
 * An instance holds its presence lock for as long as it lives. If this transaction can take it,
 * nobody holds it: the instance is gone. The xact-level lock is let go at commit.
 */
function ownerGoneCheck(tx: Db): (instanceId: string) => Promise<boolean> {
  const seen = new Map<string, boolean>();
  return async (instanceId) => {
    const known = seen.get(instanceId);
    if (known !== undefined) return known;
    const [row] = await tx.query<{ gone: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS gone', [
      PRESENCE_CLASS,
      instanceId,
    ]);
    const gone = row?.gone === true;
    seen.set(instanceId, gone);
    return gone;
  };
}

async function recoverStep(
  tx: Db,
  repos: Repos,
  step: Step,
  reason: RecoveredStep['reason'],
  previousOwner: string,
  options: RecoveryOptions,
): Promise<RecoveredStep> {
  // The catalogue decides, not the stored flag alone: a dangerous or mutating step never runs twice.
  const requeued = repeatableAfterCrash(step);
  const why =
    reason === 'owner_gone'
      ? `bot instance ${previousOwner} stopped`
      : `bot instance ${previousOwner} stopped renewing its lease`;
  const interruption = { reason, previousOwner, attempt: step.attempt, at: new Date().toISOString() };
  const [stepRow] = requeued
    ? await tx.query<StepRow>(
        `UPDATE run_steps SET state = 'pending', owner = NULL, lease_until = NULL, started_at = NULL,
                result = jsonb_build_object('interrupted', $2::jsonb)
          WHERE id = $1 RETURNING ${STEP_COLUMNS}`,
        [step.id, JSON.stringify(interruption)],
      )
    : await tx.query<StepRow>(
        `UPDATE run_steps SET state = 'interrupted', outcome = 'unknown', lease_until = NULL, finished_at = now(),
                result = jsonb_build_object('interrupted', $2::jsonb)
          WHERE id = $1 RETURNING ${STEP_COLUMNS}`,
        [step.id, JSON.stringify(interruption)],
      );
  const [runRow] = requeued
    ? await tx.query<RunRow>('SELECT * FROM runs WHERE id = $1', [step.runId])
    : await tx
        .query<RunRow>(
          `UPDATE runs SET state = 'interrupted', updated_at = now(), finished_at = now()
          WHERE id = $1 AND state IN ('pending', 'running', 'awaiting_approval') RETURNING *`,
          [step.runId],
        )
        .then(async (rows) =>
          rows.length > 0 ? rows : tx.query<RunRow>('SELECT * FROM runs WHERE id = $1', [step.runId]),
        );
  if (!stepRow || !runRow) throw new RecioError(ErrorCode.Internal, `recovery lost step ${step.id} or its run`);
  const run = toRun(runRow);
  const label = `Step ${step.idx + 1} "${step.title}" (${step.action} on ${step.host})`;
  const text = requeued
    ? `${label} was interrupted: ${why}. It is idempotent, so it will run again.`
    : `${label} was interrupted: ${why}. Its outcome is unknown — check ${step.host} before going on. ` +
      'The run stops here.';
  const event = {
    type: requeued ? 'step_requeued' : 'step_interrupted',
    runId: run.id,
    stepId: step.id,
    idx: step.idx,
    host: step.host,
    action: step.action,
    reason,
    previousOwner,
  };
  await repos.timeline.add({
    incidentId: run.incidentId,
    runId: run.id,
    stepId: step.id,
    actor: 'system',
    kind: event.type,
    text,
    detail: event,
  });
  await repos.audit.append({
    actor: 'system',
    action: requeued ? 'step.requeued' : 'step.interrupted',
    target: `run:${run.id}`,
    outcome: 'unknown',
    detail: event,
  });
  const where = await slackPlace(tx, run, options);
  let outboxKey: string | null = null;
  if (where) {
    outboxKey = `step:${step.id}:${event.type}:${step.attempt}`;
    await repos.outbox.enqueue({
      dedupeKey: outboxKey,
      channel: where.channel,
      threadTs: where.threadTs,
      kind: 'post',
      payload: { text, event },
    });
  }
  return { step: toStep(stepRow), run, reason, previousOwner, requeued, outboxKey };
}

async function slackPlace(
  tx: Db,
  run: Run,
  options: RecoveryOptions,
): Promise<{ channel: string; threadTs: string | null } | undefined> {
  if (run.channel) return { channel: run.channel, threadTs: run.threadTs };
  if (run.incidentId) {
    const [incident] = await tx.query<{ channel: string | null; thread_ts: string | null }>(
      'SELECT channel, thread_ts FROM incidents WHERE id = $1',
      [run.incidentId],
    );
    if (incident?.channel) return { channel: incident.channel, threadTs: incident.thread_ts };
  }
  return options.fallbackChannel ? { channel: options.fallbackChannel, threadTs: null } : undefined;
}
