import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';
import { parseSupervisorStatus, type ProgramStatus } from './supervisor-status.js';

/** `supervisorctl status [program]`, parsed; an error outcome when supervisord could not be asked. */
export async function readStatus(
  ctx: ActionContext,
  service?: string,
): Promise<{ programs: ProgramStatus[]; error?: ActionOutcome }> {
  const run = await ctx.run([...ctx.config.supervisorctl, 'status', ...(service === undefined ? [] : [service])]);
  const { programs, unparsed } = parseSupervisorStatus(run.stdout);
  // supervisorctl exits 3 when some program is not RUNNING: that is still an answer.
  if (
    run.timedOut ||
    run.startError !== undefined ||
    (programs.length === 0 && unparsed.length > 0) ||
    (programs.length === 0 && run.exitCode !== 0)
  ) {
    return {
      programs,
      error: failedRun({ ...run, stderr: run.stderr || unparsed.join('\n') }, 'supervisorctl status'),
    };
  }
  return { programs };
}

/** The last lines a program wrote (stdout then stderr), so an operator sees why it died. */
export async function tailLines(ctx: ActionContext, service: string, lines: number): Promise<string[]> {
  // supervisorctl tail counts bytes, not lines: ask for enough bytes, then keep the last lines.
  const bytes = Math.min(lines * 400, 1024 * 1024);
  const out: string[] = [];
  for (const channel of ['stdout', 'stderr'] as const) {
    const run = await ctx.run([...ctx.config.supervisorctl, 'tail', `-${bytes}`, service, channel]);
    if (run.exitCode !== 0) continue;
    const got = run.stdout.split('\n');
    // A full byte window starts mid-line: that first piece may be a secret without its name
    // (`ORD=hunter2`), which no redaction rule could recognise. It is dropped, not shown.
    if (Buffer.byteLength(run.stdout) >= bytes) got.shift();
    out.push(...got.filter((l) => l !== ''));
  }
  return out.slice(-lines);
}
