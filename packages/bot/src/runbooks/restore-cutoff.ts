import type { Hosts } from '../hosts/fleet-hosts.js';
import type { HostResult } from '../hosts/transport.js';

interface CutOff {
  interrupted: boolean;
  settled?: boolean;
  committed?: boolean;
  message: string;
}

/**
 * A restore whose answer never came (the agent killed mid pg_restore, the connection dropped): the
 * host is asked what happened (db.restore.outcome) and the step says it. Rolled back, the outcome
 * is known: the database is as the safety dump had it, and the message says so. Anything else
 * (still settling, the host not answering) stays unknown, with what was learnt added.
 */
export async function explainCutOff(hosts: Hosts, result: HostResult, traceId: string): Promise<HostResult> {
  if (result.action !== 'db.restore' || !result.outcomeUnknown) return result;
  const asked = await hosts.run(
    result.host,
    { action: 'db.restore.outcome', params: {} },
    {
      deadlineMs: 90_000,
      traceId,
    },
  );
  const said = asked.ok ? (asked.data as CutOff) : undefined;
  const code = result.error?.code ?? 'action_failed';
  const before = result.error?.message ?? `exit ${result.exitCode}`;
  if (said === undefined) {
    const why = asked.error?.message ?? `exit ${asked.exitCode}`;
    return { ...result, error: { code, message: `${before}; asking the host what became of it failed: ${why}` } };
  }
  if (!said.interrupted) return { ...result, error: { code, message: `${before}; the host: ${said.message}` } };
  return {
    ...result,
    ok: false,
    outcomeUnknown: said.settled !== true,
    data: { ...((result.data as object | undefined) ?? {}), cutOff: said },
    error: { code, message: `restore cut off: ${said.message}` },
  };
}
