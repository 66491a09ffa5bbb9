import type { RunEngine } from '../runbooks/engine.js';
import { approvalPostKey, updateThreadMessage } from '../runbooks/run-notices.js';
import type { Store } from '../store/index.js';

/**
 * Approvals past their expiry: marked expired, their message rewritten ("expired", no buttons),
 * and their run stopped (the engine treats an expired approval like a denial). Runs on the
 * publisher's timer and before an approval click, so a late click meets an expired approval.
 *
 * TODO(engine): this belongs with the run engine (it is a run transition); it lives here until
 * the engine sweeps expiries itself.
 */
export async function expireApprovals(store: Store, engine: RunEngine): Promise<number> {
  const expired = await store.approvals.expireDue();
  for (const approval of expired) {
    const run = await store.runs.get(approval.runId);
    if (run) {
      await store.withTransaction((tx) => updateThreadMessage(tx, run, approvalPostKey(approval.id), 'expired', 'Approval expired', { type: 'approval', approvalId: approval.id }));
    }
    await engine.afterDecision(approval.id, 'system');
  }
  return expired.length;
}
