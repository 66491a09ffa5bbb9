import type { Repos } from '../store/index.js';
import type { Run, Step } from '../domain/index.js';

/**
 * The Slack side of a run, as outbox rows: one message per run, posted once and updated as steps
 * move; the publisher renders it from the store when it sends, so updates coalesce. Rows are written
 * in the caller's transaction, beside the change they tell.
 */
export function runPostKey(runId: string): string {
  return `run:${runId}:post`;
}

export function incidentPostKey(incidentId: string): string {
  return `incident:${incidentId}:post`;
}

export function approvalPostKey(approvalId: string): string {
  return `approval:${approvalId}:post`;
}

/** Where a run talks: its channel, threaded under its incident's parent message when it has one. */
export function placeOf(run: Run): { channel: string; threadTs: string | null; threadOf: string | null } | undefined {
  if (run.channel === null) return undefined;
  if (run.threadTs !== null) return { channel: run.channel, threadTs: run.threadTs, threadOf: null };
  return { channel: run.channel, threadTs: null, threadOf: run.incidentId ? incidentPostKey(run.incidentId) : null };
}

export async function postRunMessage(tx: Repos, run: Run, text: string): Promise<void> {
  const place = placeOf(run);
  if (place === undefined) return;
  await tx.outbox.enqueue({
    dedupeKey: runPostKey(run.id),
    channel: place.channel,
    kind: 'post',
    threadTs: place.threadTs,
    threadOf: place.threadOf,
    payload: { text, event: { type: 'run', runId: run.id } },
  });
}

/** `change` names the transition (e.g. `step:2:succeeded`), so a retried transition enqueues once. */
export async function updateRunMessage(tx: Repos, run: Run, change: string, text: string): Promise<void> {
  const place = placeOf(run);
  if (place === undefined) return;
  await tx.outbox.enqueue({
    dedupeKey: `run:${run.id}:${change}`,
    channel: place.channel,
    kind: 'update',
    updateOf: runPostKey(run.id),
    payload: { text, event: { type: 'run', runId: run.id } },
  });
}

/** A message of its own in the run's thread: approvals need their own buttons and their own rewrite. */
export async function postInRunThread(
  tx: Repos,
  run: Run,
  dedupeKey: string,
  text: string,
  event: Record<string, string>,
): Promise<void> {
  const place = placeOf(run);
  if (place === undefined) return;
  const thread =
    place.threadTs !== null ? { threadTs: place.threadTs } : { threadOf: place.threadOf ?? runPostKey(run.id) };
  await tx.outbox.enqueue({ dedupeKey, channel: place.channel, kind: 'post', ...thread, payload: { text, event } });
}

export async function updateThreadMessage(
  tx: Repos,
  run: Run,
  postKey: string,
  change: string,
  text: string,
  event: Record<string, string>,
): Promise<void> {
  const place = placeOf(run);
  if (place === undefined) return;
  await tx.outbox.enqueue({
    dedupeKey: `${postKey}:${change}`,
    channel: place.channel,
    kind: 'update',
    updateOf: postKey,
    payload: { text, event },
  });
}

/** The approval's own message says it expired and loses its buttons (rendered from the store). */
export async function noteApprovalExpired(tx: Repos, run: Run, approvalId: string): Promise<void> {
  await updateThreadMessage(tx, run, approvalPostKey(approvalId), 'expired', 'Approval expired', {
    type: 'approval',
    approvalId,
  });
}

/** The name a step's full output goes up under; the run message names it too. */
export function stepOutputFilename(run: Pick<Run, 'id'>, step: Pick<Step, 'idx'>): string {
  return `run-${run.id.slice(0, 8)}-step-${step.idx + 1}.log`;
}

/**
 * A step's whole output as a file in the run's thread, for when the run message could show only
 * its end. The row names the step; the publisher reads the output from the step's stored result
 * when it sends, so the outbox does not hold a second copy of it.
 */
export async function uploadStepOutput(tx: Repos, run: Run, step: Step): Promise<void> {
  const place = placeOf(run);
  if (place === undefined) return;
  const thread =
    place.threadTs !== null ? { threadTs: place.threadTs } : { threadOf: place.threadOf ?? runPostKey(run.id) };
  await tx.outbox.enqueue({
    dedupeKey: `run:${run.id}:step:${step.idx}:output:${step.attempt}`,
    channel: place.channel,
    kind: 'upload',
    ...thread,
    payload: {
      text: `Full output of step ${step.idx + 1}, ${step.title}`,
      filename: stepOutputFilename(run, step),
      event: { type: 'step_output', stepId: step.id },
    },
  });
}
