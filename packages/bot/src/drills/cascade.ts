import { DRILL_ACTOR, drillOrigin } from './drill-actors.js';
import { driveRun } from './drive-run.js';
import type { Drill } from './run-drill.js';

/** `program:sbx1/kalshi_api_watchdog` → its host and program. */
function programOf(fingerprint: string): { host: string; service: string } | undefined {
  const match = /^program:([^/]+)\/(.+)$/.exec(fingerprint);
  return match ? { host: match[1]!, service: match[2]! } : undefined;
}

/**
 * A fault can take other things down with it: a database down longer than the programs' grace makes
 * every program give up, and the plan's §1.1 restarts only four of them. What the monitor opened
 * besides the drill's incident is looked at as an operator would (`/recio status`), and a program
 * still down gets its own Run recovery. Each is counted; the drill's result lists them.
 */
export async function recoverCascade(d: Drill, mainIncidentId: string, started: Date): Promise<void> {
  const { ctx } = d;
  const others = (await ctx.store.incidents.listUnresolved()).filter(
    (i) => i.id !== mainIncidentId && i.kind === 'incident' && i.openedBy === 'monitor' && i.openedAt >= started,
  );
  for (const other of others) {
    if (!d.result.alsoOpened.includes(other.title)) d.result.alsoOpened.push(other.title);
    const program = programOf(other.fingerprint);
    if (program === undefined || other.scenario === null) continue;
    const status = await ctx.hosts.run(program.host, {
      action: 'service.status',
      params: { service: program.service },
    });
    const state = (status.data as { programs?: Array<{ name: string; state: string }> } | undefined)?.programs?.find(
      (p) => p.name === program.service,
    )?.state;
    if (state === 'RUNNING') continue;
    d.act(`status: ${program.service} is ${state ?? 'unknown'}`);
    const answer = await ctx.desk.runRecovery(other.id, DRILL_ACTOR, drillOrigin(ctx, `recover:${other.id}`));
    d.act(`run recovery (also opened): ${other.title}`);
    if (answer.type === 'run')
      await driveRun(ctx, answer.run.id, { timeoutMs: d.timeouts.recoverMs, approver: d.approver, act: d.act });
  }
}
