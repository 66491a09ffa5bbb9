import type { Store } from '../store/index.js';
import type { Run, Step } from '../domain/index.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

const MARK: Record<string, string> = {
  pending: '·',
  running: '▶',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
  awaiting_approval: '⏸',
  interrupted: '⚠',
  cancelled: '⊘',
};

export function stepLine(step: Step): string {
  const took =
    step.startedAt && step.finishedAt
      ? ` (${((step.finishedAt.getTime() - step.startedAt.getTime()) / 1000).toFixed(1)}s)`
      : '';
  const summary = step.state === 'failed' || step.state === 'interrupted' ? ` — ${errorOf(step)}` : '';
  return `  ${MARK[step.state] ?? '?'} ${step.title} [${step.host}]${took}${summary}`;
}

function errorOf(step: Step): string {
  const result = step.result as { error?: { message?: string }; detail?: string } | null;
  return result?.error?.message ?? result?.detail ?? step.outcome ?? 'failed';
}

/**
 * Follows a run in the terminal, one line per step change, until it ends or waits for a person.
 * Polls the store, so it shows the same truth whichever process (bot, CLI, replica) drives the run.
 */
export async function followRun(
  store: Store,
  runId: string,
  print: (line: string) => void,
  intervalMs = 300,
  /** Keep following until this settles too: the driving this process does (its state may lag). */
  until?: Promise<unknown>,
): Promise<Run> {
  const seen = new Map<string, string>();
  let waitingShown = false;
  let driving = until !== undefined;
  until?.then(
    () => (driving = false),
    () => (driving = false),
  );
  for (;;) {
    const stillDriving = driving;
    const run = await store.runs.get(runId);
    if (run === undefined) throw new RecioError(ErrorCode.NotFound, `no run ${runId}`);
    for (const step of await store.runs.steps(runId)) {
      const key = `${step.state}:${step.attempt}`;
      if (seen.get(step.id) === key) continue;
      seen.set(step.id, key);
      if (step.state !== 'pending') print(stepLine(step));
    }
    if (['succeeded', 'failed', 'skipped', 'interrupted', 'cancelled'].includes(run.state)) return run;
    // The driving this process did is over (read before this pass): what the store shows now is final for us.
    if (until !== undefined && !stillDriving) return run;
    if (run.state === 'awaiting_approval' && !waitingShown && !stillDriving) {
      waitingShown = true;
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
