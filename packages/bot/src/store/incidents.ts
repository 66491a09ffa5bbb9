import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Db } from './db.js';
import { isUuid } from './ids.js';
import { createTimelineRepo } from './timeline.js';
import type { Incident, IncidentKind, IncidentStatus, Severity } from '../domain/incident.js';
import type { JsonObject } from '../domain/json.js';

const STATUS_ORDER: readonly IncidentStatus[] = ['open', 'acknowledged', 'mitigated', 'resolved'];

export interface OpenIncidentInput {
  fingerprint: string;
  kind: IncidentKind;
  title: string;
  severity: Severity;
  openedBy: string;
  scenario?: string | null;
  channel?: string | null;
  detail?: JsonObject;
}

export interface IncidentsRepo {
  /**
   * Opens an incident, or joins the unresolved one with the same fingerprint (`created: false`).
   * Race-free across replicas.
   */
  openOrJoin(input: OpenIncidentInput): Promise<{ incident: Incident; created: boolean }>;
  get(id: string): Promise<Incident | undefined>;
  findUnresolved(fingerprint: string): Promise<Incident | undefined>;
  listUnresolved(): Promise<Incident[]>;
  /** Moves forward to `to` and records it on the timeline; `changed: false` if it was already there or beyond. */
  advance(
    id: string,
    to: Exclude<IncidentStatus, 'open'>,
    actor: string,
  ): Promise<{ incident: Incident; changed: boolean }>;
  setThread(id: string, channel: string, threadTs: string): Promise<void>;
  setReport(id: string, markdown: string): Promise<void>;
  setRootCause(id: string, rootCause: string, followUps: string): Promise<void>;
  /** The incident whose parent message is this thread, if any (resolved ones too). */
  findByThread(channel: string, threadTs: string): Promise<Incident | undefined>;
  /**
   * A symptom incident merged into its cause's: resolved by `actor`, pointing at the parent. Only an
   * unresolved one moves (`changed: false` otherwise: a merge of a resolved incident does nothing).
   */
  mergeInto(id: string, parentId: string, actor: string): Promise<{ incident: Incident; changed: boolean }>;
  /** Adds a symptom line to a cause's incident; `added: false` when it was listed already. */
  addSymptom(id: string, symptom: string): Promise<{ incident: Incident; added: boolean }>;
  /**
   * Marks it recovered now (`recovered: true` only when it was not already), or clears the mark
   * (`at` null: failing again). Only an unresolved incident moves.
   */
  setRecovered(id: string, recovered: boolean): Promise<{ incident: Incident; changed: boolean } | undefined>;
  /** The most recent incidents, newest first. */
  listRecent(limit: number): Promise<Incident[]>;
  /** The newest incident of a kind (the last drill: doctor, App Home, the quarterly reminder). */
  latestOfKind(kind: IncidentKind): Promise<Incident | undefined>;
}

interface IncidentRow {
  id: string;
  fingerprint: string;
  kind: IncidentKind;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  scenario: string | null;
  channel: string | null;
  thread_ts: string | null;
  opened_by: string;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  mitigated_at: Date | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  report: string | null;
  root_cause: string | null;
  follow_ups: string | null;
  detail: JsonObject;
  occurrences: number;
  merged_into: string | null;
  symptoms: string[];
  recovered_at: Date | null;
  updated_at: Date;
}

function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    kind: row.kind,
    title: row.title,
    severity: row.severity,
    status: row.status,
    scenario: row.scenario,
    channel: row.channel,
    threadTs: row.thread_ts,
    openedBy: row.opened_by,
    openedAt: row.opened_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    mitigatedAt: row.mitigated_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    report: row.report,
    rootCause: row.root_cause,
    followUps: row.follow_ups,
    detail: row.detail,
    occurrences: row.occurrences,
    mergedInto: row.merged_into,
    recoveredAt: row.recovered_at,
    symptoms: row.symptoms,
    updatedAt: row.updated_at,
  };
}

export function createIncidentsRepo(db: Db): IncidentsRepo {
  const getRow = async (q: Db, id: string): Promise<IncidentRow | undefined> => {
    if (!isUuid(id)) return undefined;
    const [row] = await q.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    return row;
  };

  return {
    openOrJoin(input) {
      return db.transaction(async (tx) => {
        // The unresolved one may be resolved between our conflict and our read; then try again.
        for (let attempt = 0; attempt < 5; attempt++) {
          const [created] = await tx.query<IncidentRow>(
            `INSERT INTO incidents (fingerprint, kind, title, severity, opened_by, scenario, channel, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
             ON CONFLICT (fingerprint) WHERE status <> 'resolved' DO NOTHING RETURNING *`,
            [
              input.fingerprint,
              input.kind,
              input.title,
              input.severity,
              input.openedBy,
              input.scenario ?? null,
              input.channel ?? null,
              JSON.stringify(input.detail ?? {}),
            ],
          );
          if (created) {
            await createTimelineRepo(tx).add({
              incidentId: created.id,
              actor: input.openedBy,
              kind: 'opened',
              text: `Opened: ${input.title}`,
              detail: { severity: input.severity, kind: input.kind },
            });
            return { incident: toIncident(created), created: true };
          }
          const [existing] = await tx.query<IncidentRow>(
            `UPDATE incidents SET occurrences = occurrences + 1, updated_at = now()
              WHERE fingerprint = $1 AND status <> 'resolved' RETURNING *`,
            [input.fingerprint],
          );
          if (existing) return { incident: toIncident(existing), created: false };
        }
        throw new RecioError(
          ErrorCode.Internal,
          `incident ${input.fingerprint} keeps being opened and resolved concurrently`,
        );
      });
    },
    async get(id) {
      const row = await getRow(db, id);
      return row && toIncident(row);
    },
    async findUnresolved(fingerprint) {
      const [row] = await db.query<IncidentRow>(
        `SELECT * FROM incidents WHERE fingerprint = $1 AND status <> 'resolved'`,
        [fingerprint],
      );
      return row && toIncident(row);
    },
    async listUnresolved() {
      const rows = await db.query<IncidentRow>(`SELECT * FROM incidents WHERE status <> 'resolved' ORDER BY opened_at`);
      return rows.map(toIncident);
    },
    advance(id, to, actor) {
      return db.transaction(async (tx) => {
        const earlier = STATUS_ORDER.slice(0, STATUS_ORDER.indexOf(to));
        const [row] = isUuid(id)
          ? await tx.query<IncidentRow>(
              `UPDATE incidents SET status = $2, updated_at = now(),
                      acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN now() ELSE acknowledged_at END,
                      acknowledged_by = CASE WHEN $2 = 'acknowledged' THEN $3 ELSE acknowledged_by END,
                      mitigated_at    = CASE WHEN $2 = 'mitigated' THEN now() ELSE mitigated_at END,
                      resolved_at     = CASE WHEN $2 = 'resolved' THEN now() ELSE resolved_at END,
                      resolved_by     = CASE WHEN $2 = 'resolved' THEN $3 ELSE resolved_by END
                WHERE id = $1 AND status = ANY($4::text[]) RETURNING *`,
              [id, to, actor, earlier],
            )
          : [];
        if (row) {
          await createTimelineRepo(tx).add({ incidentId: id, actor, kind: to, text: `${capitalise(to)} by ${actor}` });
          return { incident: toIncident(row), changed: true };
        }
        const current = await getRow(tx, id);
        if (!current) throw new RecioError(ErrorCode.NotFound, `no incident ${id}`);
        return { incident: toIncident(current), changed: false };
      });
    },
    mergeInto(id, parentId, actor) {
      return db.transaction(async (tx) => {
        const [row] =
          isUuid(id) && isUuid(parentId) && id !== parentId
            ? await tx.query<IncidentRow>(
                `UPDATE incidents SET status = 'resolved', resolved_at = now(), resolved_by = $3,
                        merged_into = $2, updated_at = now()
                  WHERE id = $1 AND status <> 'resolved' RETURNING *`,
                [id, parentId, actor],
              )
            : [];
        if (row) {
          await createTimelineRepo(tx).add({
            incidentId: id,
            actor,
            kind: 'merged',
            text: `Merged into incident ${parentId}`,
            detail: { into: parentId },
          });
          return { incident: toIncident(row), changed: true };
        }
        const current = await getRow(tx, id);
        if (!current) throw new RecioError(ErrorCode.NotFound, `no incident ${id}`);
        return { incident: toIncident(current), changed: false };
      });
    },
    async setRecovered(id, recovered) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query<IncidentRow>(
        recovered
          ? `UPDATE incidents SET recovered_at = now(), updated_at = now()
              WHERE id = $1 AND status <> 'resolved' AND recovered_at IS NULL RETURNING *`
          : `UPDATE incidents SET recovered_at = NULL, updated_at = now()
              WHERE id = $1 AND status <> 'resolved' AND recovered_at IS NOT NULL RETURNING *`,
        [id],
      );
      if (row) return { incident: toIncident(row), changed: true };
      const current = await getRow(db, id);
      return current && { incident: toIncident(current), changed: false };
    },
    async addSymptom(id, symptom) {
      const [row] = isUuid(id)
        ? await db.query<IncidentRow>(
            `UPDATE incidents SET symptoms = symptoms || jsonb_build_array($2::text), updated_at = now()
              WHERE id = $1 AND NOT symptoms ? $2 RETURNING *`,
            [id, symptom],
          )
        : [];
      if (row) return { incident: toIncident(row), added: true };
      const current = await getRow(db, id);
      if (!current) throw new RecioError(ErrorCode.NotFound, `no incident ${id}`);
      return { incident: toIncident(current), added: false };
    },
    async setThread(id, channel, threadTs) {
      await db.query('UPDATE incidents SET channel = $2, thread_ts = $3, updated_at = now() WHERE id = $1', [
        id,
        channel,
        threadTs,
      ]);
    },
    async setReport(id, markdown) {
      await db.query('UPDATE incidents SET report = $2, updated_at = now() WHERE id = $1', [id, markdown]);
    },
    async setRootCause(id, rootCause, followUps) {
      if (!isUuid(id)) throw new RecioError(ErrorCode.NotFound, `no incident ${id}`);
      await db.query('UPDATE incidents SET root_cause = $2, follow_ups = $3, updated_at = now() WHERE id = $1', [
        id,
        rootCause,
        followUps,
      ]);
    },
    async findByThread(channel, threadTs) {
      const [row] = await db.query<IncidentRow>(
        'SELECT * FROM incidents WHERE channel = $1 AND thread_ts = $2 ORDER BY opened_at DESC LIMIT 1',
        [channel, threadTs],
      );
      return row && toIncident(row);
    },
    async listRecent(limit) {
      const rows = await db.query<IncidentRow>('SELECT * FROM incidents ORDER BY opened_at DESC LIMIT $1', [limit]);
      return rows.map(toIncident);
    },
    async latestOfKind(kind) {
      const [row] = await db.query<IncidentRow>(
        'SELECT * FROM incidents WHERE kind = $1 ORDER BY opened_at DESC LIMIT 1',
        [kind],
      );
      return row && toIncident(row);
    },
  };
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
