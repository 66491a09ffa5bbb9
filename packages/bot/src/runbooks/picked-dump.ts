import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { JsonObject } from '../domain/index.js';
import type { Runbooks } from './loader.js';
import { PITR_RUNBOOK } from './pitr-choice.js';
import type { RunbookSpec } from './schema.js';

/** Whether the runbook restores a dump (a `db.restore` step): its Run recovery offers the dump picker. */
export function restoresDump(runbook: RunbookSpec): boolean {
  return runbook.steps.some((s) => s.action === 'db.restore');
}

/** The scenarios whose runbook restores a dump, read from the runbooks as loaded (not a list of names). */
export function scenariosRestoringDump(runbooks: Runbooks): ReadonlySet<string> {
  return new Set([...runbooks.values()].filter(restoresDump).map((r) => r.id));
}

/**
 * What an incident's parent offers beyond Run recovery, read once from the runbooks as loaded: the
 * dump picker for the scenarios that restore a dump, and point-in-time restore beside it when the
 * pitr-restore runbook is there. The operations and the publisher both take this one value.
 */
export interface RecoveryOffers {
  restoringDump: ReadonlySet<string>;
  offersPitr: boolean;
}

export function recoveryOffers(runbooks: Runbooks): RecoveryOffers {
  return { restoringDump: scenariosRestoringDump(runbooks), offersPitr: runbooks.has(PITR_RUNBOOK) };
}

/**
 * The planned steps with a dump a person picked bound as each restore step's `file`: when its
 * approval is asked, chooseRestore (restore-choice.ts) binds that file's hash instead of looking
 * for the newest dump. A runbook without a restore step cannot take one: refused, not ignored.
 */
export function withPickedDump<S extends { action: string; title: string; params?: JsonObject }>(
  steps: readonly S[],
  file: string,
  scenario: string,
): S[] {
  if (!steps.some((s) => s.action === 'db.restore'))
    throw new RecioError(ErrorCode.InvalidParams, `${scenario} restores no dump: a picked dump has nowhere to go`);
  return steps.map((s) =>
    s.action === 'db.restore'
      ? { ...s, title: `Restore from ${file} (picked)`, params: { ...(s.params ?? {}), file } }
      : s,
  );
}
