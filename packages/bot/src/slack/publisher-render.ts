import { stepOutputFilename } from '../runbooks/run-notices.js';
import type { OutboxMessage, Store } from '../store/index.js';
import { renderApprovalMessage } from './views/approval-message.js';
import { renderDrillReminder } from './views/drill-reminder.js';
import { breakGlassMark, renderBreakGlassPost } from './views/break-glass.js';
import { isChecklist, renderChecklist } from './views/checklist.js';
import { renderIncidentParent, renderMergedReply } from './views/incident-parent.js';
import type { Block } from './views/kit.js';
import { fallbackText } from './views/kit.js';
import { renderRunMessage } from './views/run-message.js';

export interface Rendered {
  text: string;
  blocks?: Block[];
  /** For an upload: the file, when the row's content is read from the store. */
  file?: { filename: string; title: string; content: string };
}

/** What rendering needs beyond the store. */
export interface RenderOptions {
  now?: Date;
  /** The scenarios whose runbook restores a dump: their Run recovery opens the dump picker. */
  restoringDump?: ReadonlySet<string> | undefined;
  /** The pitr-restore runbook is loaded: an incident whose runbook restores a dump offers it too. */
  offersPitr?: boolean | undefined;
}

/**
 * What an outbox row says, rendered from the store as it is NOW (not as it was when the row was
 * written): an update that waited behind a rate limit shows the latest state, so coalesced
 * updates lose nothing. Rows without a typed event say their own text.
 */
export async function renderOutbox(
  store: Store,
  message: OutboxMessage,
  { now = new Date(), restoringDump, offersPitr }: RenderOptions = {},
): Promise<Rendered> {
  const event = message.payload.event as Record<string, unknown> | undefined;
  const own: Rendered = {
    text: fallbackText(message.payload.text),
    ...(Array.isArray(message.payload.blocks) ? { blocks: message.payload.blocks as unknown as Block[] } : {}),
  };
  if (event === undefined) return own;
  if (event.type === 'run' && typeof event.runId === 'string') {
    const run = await store.runs.get(event.runId);
    if (run === undefined) return own;
    const steps = await store.runs.steps(run.id);
    if (isChecklist(run))
      return renderChecklist({ run, steps, restoreTests: await store.backupChecks.list('restore-test') });
    return renderRunMessage({ run, steps, now, mark: breakGlassMark(await store.breakGlass.forRun(run.id)) });
  }
  if (event.type === 'approval' && typeof event.approvalId === 'string') {
    const approval = await store.approvals.get(event.approvalId);
    const step = approval && (await store.steps.get(approval.stepId));
    const run = approval && (await store.runs.get(approval.runId));
    const breakGlass = approval && (await store.breakGlass.forApproval(approval.id));
    return approval && step && run ? renderApprovalMessage({ approval, step, run, now, breakGlass }) : own;
  }
  if (event.type === 'break_glass' && typeof event.breakGlassId === 'string') {
    const record = await store.breakGlass.get(event.breakGlassId);
    return record ? renderBreakGlassPost(record, typeof event.mentions === 'string' ? event.mentions : '') : own;
  }
  if (event.type === 'step_output' && typeof event.stepId === 'string') {
    const step = await store.steps.get(event.stepId);
    const run = step && (await store.runs.get(step.runId));
    const output = (step?.result as { output?: unknown; outputTruncated?: unknown } | null | undefined)?.output;
    if (step === undefined || run === undefined || typeof output !== 'string') return own;
    const kept = (step.result as { outputTruncated?: unknown }).outputTruncated === true ? ' (its last 256 KiB)' : '';
    return {
      text: own.text,
      file: {
        filename: stepOutputFilename(run, step),
        title: `Step ${step.idx + 1}, ${step.title} on ${step.host}: full output${kept}`,
        content: output,
      },
    };
  }
  if (event.type === 'merged' && typeof event.incidentId === 'string') {
    // Rendered when sent: by then the cause's parent is usually posted, and its thread can be linked.
    const child = await store.incidents.get(event.incidentId);
    const parent = child?.mergedInto ? await store.incidents.get(child.mergedInto) : undefined;
    return parent ? { text: renderMergedReply(parent) } : own;
  }
  if (event.type === 'drill_reminder' && typeof event.lastDrill === 'string' && typeof event.next === 'string')
    return renderDrillReminder({ lastDrill: event.lastDrill, next: event.next });
  if (event.type === 'incident' && typeof event.incidentId === 'string') {
    const incident = await store.incidents.get(event.incidentId);
    if (incident === undefined) return own;
    const mark = breakGlassMark(await store.breakGlass.forIncident(incident.id));
    return renderIncidentParent(incident, mark, { restoringDump, offersPitr });
  }
  return own;
}

/** `incident:<id>:post` → the incident id, when this row is an incident's parent message. */
export function incidentOfPost(message: OutboxMessage): string | undefined {
  if (message.kind !== 'post') return undefined;
  return /^incident:([^:]+):post$/.exec(message.dedupeKey)?.[1];
}
