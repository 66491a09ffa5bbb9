import type { Db } from './db.js';
import { isUuid } from './ids.js';
import { TERMINAL_STATES, type ApprovalKind, type Run, type RunState, type Step } from '../domain/run.js';
import { STEP_COLUMNS, toStep, type StepRow } from './steps.js';
import type { JsonObject } from '../domain/json.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** A step as the runbook engine plans it. */
export interface StepInput {
  title: string;
  host: string;
  action: string;
  params?: JsonObject;
  approval?: ApprovalKind;
  /** Safe to run again when a previous attempt's outcome is unknown (e.g. a status check). */
  idempotent?: boolean;
  /** The runbook's plan for the step, kept as is. */
  spec?: JsonObject;
}

export interface CreateRunInput {
  scenario: string;
  requestedBy: string;
  steps: StepInput[];
  incidentId?: string | null;
  dryRun?: boolean;
  params?: JsonObject;
  dedupeKey?: string | null;
  channel?: string | null;
  threadTs?: string | null;
}

export interface RunsRepo {
  /**
   * Creates the run and its steps together; with a dedupe key seen before, returns that run instead
   * (`created: false`).
   */
  create(input: CreateRunInput): Promise<{ run: Run; steps: Step[]; created: boolean }>;
  get(id: string): Promise<Run | undefined>;
  getByDedupeKey(key: string): Promise<Run | undefined>;
  steps(runId: string): Promise<Step[]>;
  /** Moves the run to `to` only from one of `from`; undefined when it was elsewhere (someone else moved it). */
  transition(id: string, to: RunState, from: readonly RunState[]): Promise<Run | undefined>;
  /**
   * Moves a checklist to awaiting_approval only if no step of it is pending or running: decided under
   * the run's row lock, read after it is taken, so a go-ahead given meanwhile (`lock` first) is never
   * parked behind a run that no longer lets its step be claimed.
   */
  awaitGates(id: string): Promise<Run | undefined>;
  /** Takes the run's row lock for the rest of the transaction: what moves its steps and its state, in turn. */
  lock(id: string): Promise<void>;
  setThread(id: string, channel: string, threadTs: string | null): Promise<void>;
  /** Runs not yet finished, oldest first. */
  listActive(): Promise<Run[]>;
  /** Active runs with a step ready to go and none running: nobody is moving them on. */
  listRunnable(): Promise<Run[]>;
}

export interface RunRow {
  id: string;
  scenario: string;
  state: RunState;
  requested_by: string;
  incident_id: string | null;
  dry_run: boolean;
  params: JsonObject;
  dedupe_key: string | null;
  channel: string | null;
  thread_ts: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    scenario: row.scenario,
    state: row.state,
    requestedBy: row.requested_by,
    incidentId: row.incident_id,
    dryRun: row.dry_run,
    params: row.params,
    dedupeKey: row.dedupe_key,
    channel: row.channel,
    threadTs: row.thread_ts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export function createRunsRepo(db: Db): RunsRepo {
  const steps = async (q: Db, runId: string): Promise<Step[]> =>
    !isUuid(runId)
      ? []
      : (await q.query<StepRow>(`SELECT ${STEP_COLUMNS} FROM run_steps WHERE run_id = $1 ORDER BY idx`, [runId])).map(
          toStep,
        );

  return {
    create(input) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<RunRow>(
          `INSERT INTO runs (scenario, requested_by, incident_id, dry_run, params, dedupe_key, channel, thread_ts)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
           ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
          [
            input.scenario,
            input.requestedBy,
            input.incidentId ?? null,
            input.dryRun ?? false,
            JSON.stringify(input.params ?? {}),
            input.dedupeKey ?? null,
            input.channel ?? null,
            input.threadTs ?? null,
          ],
        );
        if (!row) {
          // The conflicting insert has committed by now (ON CONFLICT waited for it), and this new
          // statement's snapshot sees it.
          const [existing] = await tx.query<RunRow>('SELECT * FROM runs WHERE dedupe_key = $1', [input.dedupeKey]);
          if (!existing)
            throw new RecioError(
              ErrorCode.Internal,
              `run with dedupe key ${String(input.dedupeKey)} conflicted but cannot be read`,
            );
          return { run: toRun(existing), steps: await steps(tx, existing.id), created: false };
        }
        const inserted = await tx.query<StepRow>(
          `INSERT INTO run_steps (run_id, idx, title, host, action, params, approval, idempotent, spec)
           SELECT $1, e.ord - 1, e.s->>'title', e.s->>'host', e.s->>'action', e.s->'params',
                  e.s->>'approval', (e.s->>'idempotent')::boolean, e.s->'spec'
             FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(s, ord)
           RETURNING ${STEP_COLUMNS}`,
          [
            row.id,
            JSON.stringify(
              input.steps.map((s) => ({
                title: s.title,
                host: s.host,
                action: s.action,
                params: s.params ?? {},
                approval: s.approval ?? 'none',
                idempotent: s.idempotent ?? false,
                spec: s.spec ?? {},
              })),
            ),
          ],
        );
        return { run: toRun(row), steps: inserted.map(toStep).sort((a, b) => a.idx - b.idx), created: true };
      });
    },
    async get(id) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query<RunRow>('SELECT * FROM runs WHERE id = $1', [id]);
      return row && toRun(row);
    },
    async getByDedupeKey(key) {
      const [row] = await db.query<RunRow>('SELECT * FROM runs WHERE dedupe_key = $1', [key]);
      return row && toRun(row);
    },
    steps: (runId) => steps(db, runId),
    async transition(id, to, from) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query<RunRow>(
        `UPDATE runs SET state = $2, updated_at = now(),
                finished_at = CASE WHEN $2 = ANY($4::text[]) THEN now() ELSE finished_at END
          WHERE id = $1 AND state = ANY($3::text[]) RETURNING *`,
        [id, to, from, TERMINAL_STATES],
      );
      return row && toRun(row);
    },
    awaitGates(id) {
      if (!isUuid(id)) return Promise.resolve(undefined);
      return db.transaction(async (tx) => {
        const [locked] = await tx.query<{ state: RunState }>('SELECT state FROM runs WHERE id = $1 FOR UPDATE', [id]);
        if (locked === undefined || (locked.state !== 'pending' && locked.state !== 'running')) return undefined;
        const [open] = await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM run_steps WHERE run_id = $1 AND state IN ('pending', 'running')`,
          [id],
        );
        if ((open?.n ?? 0) > 0) return undefined;
        const [row] = await tx.query<RunRow>(
          `UPDATE runs SET state = 'awaiting_approval', updated_at = now() WHERE id = $1 RETURNING *`,
          [id],
        );
        return row && toRun(row);
      });
    },
    async lock(id) {
      if (isUuid(id)) await db.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [id]);
    },
    async setThread(id, channel, threadTs) {
      await db.query('UPDATE runs SET channel = $2, thread_ts = $3, updated_at = now() WHERE id = $1', [
        id,
        channel,
        threadTs,
      ]);
    },
    async listActive() {
      const rows = await db.query<RunRow>(
        `SELECT * FROM runs WHERE state IN ('pending', 'running', 'awaiting_approval') ORDER BY created_at`,
      );
      return rows.map(toRun);
    },
    async listRunnable() {
      const rows = await db.query<RunRow>(
        `SELECT * FROM runs r WHERE r.state IN ('pending', 'running')
            AND EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = r.id AND s.state = 'pending')
            AND NOT EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = r.id AND s.state = 'running')
          ORDER BY r.created_at`,
      );
      return rows.map(toRun);
    },
  };
}
