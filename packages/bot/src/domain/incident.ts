import type { JsonObject } from './json.js';

export type IncidentKind = 'incident' | 'drill' | 'security';
/** sev1: trading stopped or funds at risk … sev4: cosmetic. */
export type Severity = 'sev1' | 'sev2' | 'sev3' | 'sev4';
/** Forward only, in this order; a fault that comes back after `resolved` opens a new incident. */
export type IncidentStatus = 'open' | 'acknowledged' | 'mitigated' | 'resolved';

/** An incident (or a drill, or a security event) and where its thread lives in Slack. */
export interface Incident {
  id: string;
  /** What makes two alerts the same fault, e.g. `service-down:app1/trade_executor`. */
  fingerprint: string;
  kind: IncidentKind;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  scenario: string | null;
  channel: string | null;
  threadTs: string | null;
  openedBy: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  /** The report, in Markdown, once written. */
  report: string | null;
  /** Written by the system_architect for the report. */
  rootCause: string | null;
  followUps: string | null;
  /** What the detector saw (host, program, state, runbook parameter…). */
  detail: JsonObject;
  /** How many times the fault was seen while this incident was open (flaps join, never re-open). */
  occurrences: number;
  /** When the probes behind it were healthy again (null while failing, or seen failing again since). */
  recoveredAt: Date | null;
  /** A symptom incident seen before its cause: the cause's incident it was merged into. */
  mergedInto: string | null;
  /** For a cause's incident: the symptoms that joined it, one line each (`trade_manager FATAL on app1`). */
  symptoms: string[];
  updatedAt: Date;
}
