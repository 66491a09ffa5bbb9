import { randomUUID } from 'node:crypto';
import type { Approval, Incident, Run, Step } from '@recio/bot/domain/index';

const T0 = new Date('2026-03-01T03:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function aRun(overrides: Partial<Run> = {}): Run {
  return {
    id: randomUUID(),
    scenario: 'service-crash',
    state: 'running',
    requestedBy: 'U0ALICE0001',
    incidentId: null,
    dryRun: false,
    params: { title: 'Service crash — trade_executor' },
    dedupeKey: 'run:x',
    channel: 'C0OPS000001',
    threadTs: null,
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
    ...overrides,
  };
}

export function aStep(run: Run, idx: number, overrides: Partial<Step> = {}): Step {
  return {
    id: randomUUID(),
    runId: run.id,
    idx,
    title: `Step ${idx + 1}`,
    host: 'db1',
    action: 'service.status',
    params: {},
    approval: 'none',
    idempotent: true,
    spec: {},
    state: 'pending',
    owner: null,
    leaseUntil: null,
    attempt: 0,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    outcome: null,
    result: null,
    outputExcerpt: null,
    ...overrides,
  };
}

export const done = (seconds: number): Partial<Step> => ({
  state: 'succeeded',
  startedAt: at(0),
  finishedAt: at(seconds),
  outcome: 'ok',
  exitCode: 0,
});

export function anApproval(step: Step, overrides: Partial<Approval> = {}): Approval {
  return {
    id: 'apr_AAAAAAAAAAAAAAAAAAAAAA',
    runId: step.runId,
    stepId: step.id,
    requestedBy: 'U0ALICE0001',
    requiredRole: 'lead_operator',
    bindingHash: 'x',
    state: 'pending',
    decidedBy: null,
    decidedAt: null,
    reason: null,
    createdAt: T0,
    expiresAt: at(900),
    breakGlassOfferedAt: null,
    ...overrides,
  };
}

export function anIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: randomUUID(),
    fingerprint: 'service-down:db1/trade_executor',
    kind: 'incident',
    title: 'trade_executor is FATAL',
    severity: 'sev2',
    status: 'open',
    scenario: 'service-crash',
    channel: 'C0OPS000001',
    threadTs: null,
    openedBy: 'monitor',
    openedAt: T0,
    acknowledgedAt: null,
    acknowledgedBy: null,
    mitigatedAt: null,
    resolvedAt: null,
    resolvedBy: null,
    report: null,
    rootCause: null,
    followUps: null,
    detail: {},
    occurrences: 1,
    mergedInto: null,
    recoveredAt: null,
    symptoms: [],
    updatedAt: T0,
    ...overrides,
  };
}

export const NOW = at(30);
