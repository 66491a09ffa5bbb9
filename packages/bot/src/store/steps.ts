import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Db } from './db.js';
import { isUuid } from './ids.js';
import type { ApprovalKind, Step, StepState } from '../domain/run.js';
import type { Json, JsonObject } from '../domain/json.js';

/** The answer to a claim. The loser learns who holds the step and since when. */
export type StepClaim =
  | { claimed: true; step: Step }
  | {
      claimed: false;
      step: Step;
      /**
       * `running`: someone holds it now; `finished`: it already ran; `not_claimable`: waiting for approval,
       * or its run is not active.
       */
      reason: 'running' | 'finished' | 'not_claimable';
      heldBy: string | null;
      since: Date | null;
    };

/** How a step ended, as its owner reports it. */
export interface StepFinish {
  state: 'succeeded' | 'failed' | 'skipped';
  exitCode?: number | null;
  outcome?: string | null;
  result?: Json;
  outputExcerpt?: string | null;
}

export interface StepsRepo {
  get(id: string): Promise<Step | undefined>;
  /** Takes the pending step for this instance, with a lease; exactly one claimer wins. Marks a pending run running. */
  claim(id: string, options: { leaseMs: number }): Promise<StepClaim>;
  /** Extends the lease of a step this instance runs; false if it is no longer ours (recovered as interrupted). */
  renewLease(id: string, leaseMs: number): Promise<boolean>;
  /** Records the result if the step is still ours; otherwise `recorded: false` and the step as it now is. */
  finish(id: string, finish: StepFinish): Promise<{ recorded: boolean; step: Step }>;
  /** Moves a step that nobody runs (e.g. pending → awaiting_approval → pending, or → skipped). */
  transition(id: string, to: StepState, from: readonly StepState[]): Promise<Step | undefined>;
  /**
   * Fixes a pending step's params before its approval is asked for (the restore's file and hash):
   * never once it waits for approval or ran, so an approval always binds what will run.
   */
  /** Fixes a pending step's params (and what its approver is shown) when its approval is asked for. */
  bindParams(id: string, params: JsonObject, preview?: JsonObject): Promise<Step | undefined>;
  /** A pending step that cannot be asked for as it stands (bad input): failed, never run, with why. */
  refuse(id: string, why: string): Promise<Step | undefined>;
  /** Marks a running step's wait cut short by `actor`; undefined when it is not running or was cut already. */
  cutShort(id: string, actor: string): Promise<Step | undefined>;
}

export interface StepRow {
  id: string;
  run_id: string;
  idx: number;
  title: string;
  host: string;
  action: string;
  params: JsonObject;
  approval: ApprovalKind;
  idempotent: boolean;
  spec: JsonObject;
  state: StepState;
  owner: string | null;
  lease_until: Date | null;
  attempt: number;
  started_at: Date | null;
  finished_at: Date | null;
  exit_code: number | null;
  outcome: string | null;
  result: Json | null;
  output_excerpt: string | null;
  cut_short_by: string | null;
  preview: JsonObject | null;
}

export const STEP_COLUMNS =
  'id, run_id, idx, title, host, action, params, approval, idempotent, spec, state, owner, lease_until, attempt, ' +
  'started_at, finished_at, exit_code, outcome, result, output_excerpt, cut_short_by, preview';

/** The store keeps an excerpt; full output goes to a file or upload. */
const MAX_EXCERPT = 8_000;

export function toStep(row: StepRow): Step {
  return {
    id: row.id,
    runId: row.run_id,
    idx: row.idx,
    title: row.title,
    host: row.host,
    action: row.action,
    params: row.params,
    approval: row.approval,
    idempotent: row.idempotent,
    spec: row.spec,
    state: row.state,
    owner: row.owner,
    leaseUntil: row.lease_until,
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
    outcome: row.outcome,
    result: row.result,
    outputExcerpt: row.output_excerpt,
    cutShortBy: row.cut_short_by,
    preview: row.preview,
  };
}

export function createStepsRepo(db: Db, instanceId: string): StepsRepo {
  const get = async (q: Db, id: string): Promise<Step | undefined> => {
    if (!isUuid(id)) return undefined;
    const [row] = await q.query<StepRow>(`SELECT ${STEP_COLUMNS} FROM run_steps WHERE id = $1`, [id]);
    return row && toStep(row);
  };
  const mustGet = async (q: Db, id: string): Promise<Step> => {
    const step = await get(q, id);
    if (!step) throw new RecioError(ErrorCode.NotFound, `no step ${id}`, { stepId: id });
    return step;
  };

  return {
    get: (id) => get(db, id),
    claim(id, { leaseMs }) {
      if (!isUuid(id)) return Promise.reject(new RecioError(ErrorCode.NotFound, `no step ${id}`, { stepId: id }));
      return db.transaction(async (tx) => {
        // The row lock taken by this UPDATE is the claim: a concurrent claimer waits for it, then
        // re-reads the row, finds it no longer pending, and updates nothing.
        const [row] = await tx.query<StepRow>(
          `UPDATE run_steps s
              SET state = 'running', owner = $2, lease_until = now() + $3 * interval '1 millisecond',
                  attempt = attempt + 1, started_at = now(), finished_at = NULL
            WHERE s.id = $1 AND s.state = 'pending'
              AND EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id AND r.state IN ('pending', 'running'))
            RETURNING ${STEP_COLUMNS}`,
          [id, instanceId, leaseMs],
        );
        if (row) {
          await tx.query(`UPDATE runs SET state = 'running', updated_at = now() WHERE id = $1 AND state = 'pending'`, [
            row.run_id,
          ]);
          return { claimed: true, step: toStep(row) };
        }
        const step = await mustGet(tx, id);
        const reason =
          step.state === 'running'
            ? 'running'
            : ['pending', 'awaiting_approval'].includes(step.state)
              ? 'not_claimable'
              : 'finished';
        return { claimed: false, step, reason, heldBy: step.owner, since: step.startedAt };
      });
    },
    async renewLease(id, leaseMs) {
      if (!isUuid(id)) return false;
      const rows = await db.query(
        `UPDATE run_steps SET lease_until = now() + $3 * interval '1 millisecond'
          WHERE id = $1 AND state = 'running' AND owner = $2 RETURNING 1`,
        [id, instanceId, leaseMs],
      );
      return rows.length === 1;
    },
    async finish(id, finish) {
      if (!isUuid(id)) throw new RecioError(ErrorCode.NotFound, `no step ${id}`, { stepId: id });
      const [row] = await db.query<StepRow>(
        `UPDATE run_steps
            SET state = $3, finished_at = now(), lease_until = NULL, exit_code = $4, outcome = $5,
                result = $6::jsonb, output_excerpt = $7
          WHERE id = $1 AND state = 'running' AND owner = $2
          RETURNING ${STEP_COLUMNS}`,
        [
          id,
          instanceId,
          finish.state,
          finish.exitCode ?? null,
          finish.outcome ?? (finish.state === 'succeeded' ? 'ok' : finish.state === 'failed' ? 'error' : 'skipped'),
          finish.result === undefined ? null : JSON.stringify(finish.result),
          finish.outputExcerpt == null ? null : finish.outputExcerpt.slice(0, MAX_EXCERPT),
        ],
      );
      if (row) return { recorded: true, step: toStep(row) };
      return { recorded: false, step: await mustGet(db, id) };
    },
    async bindParams(id, params, preview) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query<StepRow>(
        `UPDATE run_steps SET params = $2::jsonb, preview = $3::jsonb
          WHERE id = $1 AND state = 'pending' RETURNING ${STEP_COLUMNS}`,
        [id, JSON.stringify(params), preview === undefined ? null : JSON.stringify(preview)],
      );
      return row && toStep(row);
    },
    async refuse(id, why) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query<StepRow>(
        `UPDATE run_steps SET state = 'failed', outcome = 'refused', finished_at = now(), result = $2::jsonb
          WHERE id = $1 AND state = 'pending' RETURNING ${STEP_COLUMNS}`,
        [id, JSON.stringify({ detail: why, error: { code: 'refused', message: why } })],
      );
      return row && toStep(row);
    },
    async cutShort(id, actor) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query<StepRow>(
        `UPDATE run_steps SET cut_short_by = $2 WHERE id = $1 AND state = 'running' AND cut_short_by IS NULL
          RETURNING ${STEP_COLUMNS}`,
        [id, actor],
      );
      return row && toStep(row);
    },

    async transition(id, to, from) {
      if (!isUuid(id)) return undefined;
      if (to === 'running') throw new RecioError(ErrorCode.Internal, 'a step becomes running only through claim()');
      const [row] = await db.query<StepRow>(
        `UPDATE run_steps SET state = $2,
                finished_at = CASE WHEN $2 IN ('succeeded', 'failed', 'skipped', 'interrupted', 'cancelled')
                                   THEN now() ELSE finished_at END
          WHERE id = $1 AND state = ANY($3::text[]) AND state <> 'running' RETURNING ${STEP_COLUMNS}`,
        [id, to, from],
      );
      return row && toStep(row);
    },
  };
}
