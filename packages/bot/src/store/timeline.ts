import type { Db } from './db.js';
import { isUuid } from './ids.js';
import type { JsonObject } from '../domain/json.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** One line of an incident's (or a run's) timeline, as the report will show it. */
export interface TimelineEvent {
  id: number;
  incidentId: string | null;
  runId: string | null;
  stepId: string | null;
  at: Date;
  /** A Slack user id, `system`, `monitor`, or `cli:<user>`. */
  actor: string;
  /** e.g. `opened`, `acknowledged`, `run_started`, `step_succeeded`, `step_interrupted`, `note`. */
  kind: string;
  text: string;
  detail: JsonObject;
}

export interface TimelineInput {
  incidentId?: string | null;
  runId?: string | null;
  stepId?: string | null;
  actor: string;
  kind: string;
  text: string;
  detail?: JsonObject;
}

export interface TimelineRepo {
  /** Adds an event; at least one of incidentId and runId is required. */
  add(input: TimelineInput): Promise<TimelineEvent>;
  /** An incident's events (including those of its runs), or one run's, in order. */
  list(of: { incidentId: string } | { runId: string }): Promise<TimelineEvent[]>;
}

interface EventRow {
  id: string;
  incident_id: string | null;
  run_id: string | null;
  step_id: string | null;
  at: Date;
  actor: string;
  kind: string;
  text: string;
  detail: JsonObject;
}

function toEvent(row: EventRow): TimelineEvent {
  return {
    id: Number(row.id),
    incidentId: row.incident_id,
    runId: row.run_id,
    stepId: row.step_id,
    at: row.at,
    actor: row.actor,
    kind: row.kind,
    text: row.text,
    detail: row.detail,
  };
}

export function createTimelineRepo(db: Db): TimelineRepo {
  return {
    async add(input) {
      const [row] = await db.query<EventRow>(
        `INSERT INTO incident_events (incident_id, run_id, step_id, actor, kind, text, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING *`,
        [
          input.incidentId ?? null,
          input.runId ?? null,
          input.stepId ?? null,
          input.actor,
          input.kind,
          input.text,
          JSON.stringify(input.detail ?? {}),
        ],
      );
      if (!row) throw new RecioError(ErrorCode.Internal, 'timeline insert returned nothing');
      return toEvent(row);
    },
    async list(of) {
      if ('incidentId' in of) {
        if (!isUuid(of.incidentId)) return [];
        const rows = await db.query<EventRow>(
          `SELECT * FROM incident_events
            WHERE incident_id = $1 OR run_id IN (SELECT id FROM runs WHERE incident_id = $1)
            ORDER BY at, id`,
          [of.incidentId],
        );
        return rows.map(toEvent);
      }
      if (!isUuid(of.runId)) return [];
      const rows = await db.query<EventRow>('SELECT * FROM incident_events WHERE run_id = $1 ORDER BY at, id', [
        of.runId,
      ]);
      return rows.map(toEvent);
    },
  };
}
