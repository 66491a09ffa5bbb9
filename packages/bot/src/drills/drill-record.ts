import { randomUUID } from 'node:crypto';
import { formatDrillResult, renderDrillReport } from './drill-report.js';
import type { DrillContext, DrillResult } from './drill-types.js';
import type { JsonObject } from '../domain/index.js';

const postKey = (drillId: string) => `drill:${drillId}:post`;
const who = (id: string) => (/^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : `\`${id}\``);

/** The drill as an incident of kind `drill`: its timeline holds what happened, its report the result. */
export interface DrillRecord {
  id: string;
  note(kind: string, text: string, detail?: JsonObject): Promise<void>;
}

export async function openDrillRecord(
  ctx: DrillContext,
  what: { scenario: string; variant: string; target: string; startedBy: string; approveAs: string },
): Promise<DrillRecord> {
  const { store, channel } = ctx;
  const title = `Drill: ${what.scenario} (${what.variant}) on ${what.target}`;
  const id = await store.withTransaction(async (tx) => {
    // Each drill is its own record: a fresh fingerprint, never joined to another.
    const { incident } = await tx.incidents.openOrJoin({
      fingerprint: `drill:${randomUUID()}`,
      kind: 'drill',
      title,
      severity: 'sev4',
      openedBy: what.startedBy,
      scenario: null,
      channel: channel ?? null,
      detail: { ...what },
    });
    await tx.timeline.add({
      incidentId: incident.id,
      actor: what.startedBy,
      kind: 'drill_started',
      text: `${title}: started, second person ${what.approveAs}`,
      detail: {},
    });
    await tx.audit.append({
      actor: what.startedBy,
      action: 'drill.started',
      target: `incident:${incident.id}`,
      outcome: 'ok',
      detail: { ...what },
    });
    if (channel) {
      const text =
        `:test_tube: ${title} — started by ${who(what.startedBy)}. A fault is injected on purpose; ` +
        `the monitor should open its incident here, and the drill recovers it (second person: ${who(what.approveAs)}).`;
      await tx.outbox.enqueue({ dedupeKey: postKey(incident.id), channel, kind: 'post', payload: { text } });
    }
    return incident.id;
  });
  return {
    id,
    note: async (kind, text, detail = {}) => {
      await store.timeline.add({ incidentId: id, actor: 'drill', kind, text, detail });
    },
  };
}

/** Stores the result (timeline, report), closes the drill's record, and tells the channel. */
export async function finishDrillRecord(
  ctx: DrillContext,
  record: DrillRecord,
  result: DrillResult,
  startedBy: string,
): Promise<void> {
  const { store, channel } = ctx;
  const lines = formatDrillResult(result);
  await store.withTransaction(async (tx) => {
    await tx.timeline.add({
      incidentId: record.id,
      actor: 'drill',
      kind: 'drill_result',
      text: lines[0]!,
      detail: result as unknown as JsonObject,
    });
    await tx.incidents.setReport(record.id, renderDrillReport(result));
    await tx.incidents.advance(record.id, 'resolved', startedBy);
    await tx.audit.append({
      actor: startedBy,
      action: 'drill.finished',
      target: `incident:${record.id}`,
      outcome: result.ok ? 'ok' : 'failed',
      detail: { failures: result.failures },
    });
    if (channel) {
      await tx.outbox.enqueue({
        dedupeKey: `${postKey(record.id)}:done`,
        channel,
        kind: 'update',
        updateOf: postKey(record.id),
        payload: { text: `${result.ok ? ':white_check_mark:' : ':x:'} ${lines[0]}` },
      });
      await tx.outbox.enqueue({
        dedupeKey: `${postKey(record.id)}:result`,
        channel,
        kind: 'post',
        threadOf: postKey(record.id),
        payload: { text: `\`\`\`${lines.join('\n')}\`\`\`` },
      });
    }
  });
}
