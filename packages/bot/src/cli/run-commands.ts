import { dumpLines } from '../operations/dump-lines.js';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Core } from '../compose.js';
import { isRecioError } from '@recio/protocol/errors';
import type { Intent } from '../intents/intent.js';
import { parseCommand } from '../intents/parse.js';
import type { Answer } from '../operations/types.js';
import { formatBackups } from './backup-lines.js';
import { formatStatus } from './host-commands.js';
import { followRun, stepLine } from './progress.js';
import type { Origin, Run } from '../domain/index.js';
import { registerBreakGlassCommands } from './break-glass-commands.js';

export interface RunCommandDeps {
  openCore(): Promise<Core>;
  /** The unix user at the terminal, from the OS (./cli-user.ts); default: this process's user. */
  unixUser?(): string;
  print(line: string): void;
  setExitCode(code: number): void;
}

function originFor(core: Core): Origin {
  const id = randomUUID();
  return {
    surface: 'cli',
    ...(core.ops.opsChannel ? { channel: core.ops.opsChannel } : {}),
    deliveryKey: `cli:${id}`,
    requestId: `cli-${id.slice(0, 8)}`,
  };
}

/**
 * A decision made here moved a run on, and this process drives it: closing now would leave its
 * step claimed by nobody. So the terminal says so and waits, with a line per step, until the run
 * ends or waits for a person; a failure of the driving itself was logged with a reference and
 * told in the run's thread, and is printed here too. (If this terminal is killed meanwhile, the
 * running step is recovered as interrupted and the bot's leader moves on anything left pending.)
 */
async function waitForDriven(
  core: Core,
  driving: { runId: string; done: Promise<Run> },
  print: (line: string) => void,
): Promise<number> {
  print(`… driving run ${driving.runId} from this terminal; waiting for it (Ctrl-C leaves the rest to the bot)`);
  const [followed, driven] = await Promise.allSettled([
    followRun(core.store, driving.runId, print, 300, driving.done),
    driving.done,
  ]);
  if (driven.status === 'rejected') {
    print(`✖ driving the run failed: ${(driven.reason as Error).message ?? String(driven.reason)} (see its thread)`);
    return 1;
  }
  const run = followed.status === 'fulfilled' ? followed.value : driven.value;
  if (run.state === 'awaiting_approval') {
    print('⏸ waiting for a person again (`recio runs` shows what for).');
    return 2;
  }
  print(`${run.state === 'succeeded' ? '✔' : '✖'} ${run.state}`);
  return run.state === 'succeeded' || run.state === 'cancelled' ? 0 : 1;
}

/** Prints an answer the way a terminal wants it; returns the exit code it deserves. */
async function show(core: Core, answer: Answer, print: (line: string) => void): Promise<number> {
  switch (answer.type) {
    case 'text':
      print(answer.text.replace(/\*/g, '').replace(/`/g, ''));
      return answer.driving ? waitForDriven(core, answer.driving, print) : 0;
    case 'help':
      print(answer.text.replace(/\*/g, '').replace(/`/g, ''));
      return 0;
    case 'denied':
      print(answer.text);
      return 77;
    case 'status':
      for (const line of formatStatus(answer.results)) print(line);
      return answer.results.every((r) => r.ok) ? 0 : 1;
    case 'tail':
      if (!answer.ok) print(`✖ ${answer.error}`);
      for (const line of answer.lines) print(line);
      return answer.ok ? 0 : 1;
    case 'backups':
      for (const line of formatBackups(answer)) print(line);
      return 0;
    case 'report':
      print(answer.markdown);
      return 0;
    case 'choose_tag':
      print('Which tag? `recio rollback <tag>`; `recio tags` lists them.');
      return 64;
    case 'choose_dump':
      for (const line of dumpLines(answer)) print(line);
      return 64;
    case 'choose_service':
      print(`Which service? one of ${answer.services.join(', ')}`);
      return 64;
    case 'run': {
      print(`${answer.title} — run ${answer.run.id}${answer.created ? '' : ' (already started by this request)'}`);
      const run = await followRun(core.store, answer.run.id, print);
      if (run.state === 'awaiting_approval') {
        print(
          '⏸ waiting: a second lead_operator approves in Slack, ' +
            'or runs `recio approve <id>` (ids: `recio approvals`).',
        );
        return 2;
      }
      print(`${run.state === 'succeeded' ? '✔' : '✖'} ${run.state}`);
      return run.state === 'succeeded' ? 0 : 1;
    }
  }
}

/** The same grammar as `/recio`: `recio restart trade_executor`, `recio run postgres-failure --dry-run`… */
export function registerRunCommands(program: Command, deps: RunCommandDeps): void {
  // RECIO_CLI_USERS maps this name to a Slack id (its roles); unmapped, the terminal only reads.
  const cliActor = () => `cli:${deps.unixUser?.() ?? userInfo().username}`;
  const withCore = async (fn: (core: Core) => Promise<number>) => {
    const core = await deps.openCore();
    try {
      deps.setExitCode(await fn(core));
    } catch (error) {
      deps.print(`✖ ${isRecioError(error) ? error.message : String(error)}`);
      deps.setExitCode(1);
    } finally {
      await core.close();
    }
  };
  const viaGrammar = (words: string[]) =>
    withCore(async (core) => {
      const parsed = parseCommand(words.join(' '), core.ops.vocabulary);
      if (!parsed.ok) {
        deps.print(parsed.message.replace(/`/g, ''));
        return 64;
      }
      const intent: Intent = parsed.intent;
      const actor = await core.ops.actorFor(cliActor());
      return show(core, await core.ops.handle(intent, actor, originFor(core)), deps.print);
    });

  for (const [name, usage, description] of [
    ['restart', '<service> [on] [host]', 'restart a program and wait until it is RUNNING'],
    ['start', '<service> [on] [host]', 'start a program'],
    ['stop', '<service> [on] [host]', 'stop a program'],
    ['tail', '<service> [lines]', 'the last lines of its log'],
    [
      'run',
      '<scenario> [value] [--dry-run]',
      'run a runbook with live progress (`--dry-run` shows what would run where)',
    ],
    ['rollback', '[tag]', 'roll back to a release tag (a second lead_operator approves)'],
    ['checklist', '', 'run the Recovery Verification Checklist'],
    [
      'backup',
      '<now|list|config|history|restore> [args...]',
      'dump now, list dumps and archives, archive config (§2.2) or history (§2.3), restore a config archive to compare',
    ],
    ['incident', '<open|close> [title...]', 'declare or resolve an incident'],
    ['report', '[id]', 'print an incident report (Markdown)'],
  ] as const) {
    program
      .command(`${name} ${usage}`.trim())
      .description(description)
      .allowUnknownOption(true)
      .action(async (...args: unknown[]) => {
        const command = args.at(-1) as Command;
        await viaGrammar([name, ...command.args]);
      });
  }

  program
    .command('approve <approval-id>')
    .description('be the second person on a restore or rollback')
    .action((id: string) =>
      withCore(async (core) =>
        show(
          core,
          await core.ops.decideApproval(id, 'approved', await core.ops.actorFor(cliActor()), originFor(core)),
          deps.print,
        ),
      ),
    );
  program
    .command('deny <approval-id>')
    .description('refuse a restore or rollback')
    .action((id: string) =>
      withCore(async (core) => {
        const answer = await core.ops.decideApproval(
          id,
          'denied',
          await core.ops.actorFor(cliActor()),
          originFor(core),
        );
        const code = await show(core, answer, deps.print);
        // A denied run ends failed: that is what was asked for, not an error of this command.
        return code === 1 && answer.type === 'text' && answer.text.startsWith('Denied') ? 0 : code;
      }),
    );
  program
    .command('confirm <step-id>')
    .description('give the go-ahead a gated step waits for')
    .action((id: string) =>
      withCore(async (core) =>
        show(core, await core.ops.confirmStep(id, await core.ops.actorFor(cliActor()), originFor(core)), deps.print),
      ),
    );
  program
    .command('cancel <run-id>')
    .description('cancel a run (a running step finishes first)')
    .action((id: string) =>
      withCore(async (core) =>
        show(core, await core.ops.cancelRun(id, await core.ops.actorFor(cliActor()), originFor(core)), deps.print),
      ),
    );
  registerBreakGlassCommands(program, {
    withCore,
    cliActor,
    originFor,
    show: (core, answer) => show(core, answer, deps.print),
    print: deps.print,
  });
  program
    .command('runs')
    .description('runs not finished yet, their steps, and the approvals they wait for')
    .action(() =>
      withCore(async (core) => {
        for (const run of await core.store.runs.listActive()) {
          deps.print(`${run.id}  ${run.state}  ${String(run.params.title ?? run.scenario)}  by ${run.requestedBy}`);
          for (const step of await core.store.runs.steps(run.id)) deps.print(stepLine(step));
          for (const event of await core.store.timeline.list({ runId: run.id })) {
            if (event.kind === 'approval_requested')
              deps.print(`  approval ${(event.detail as { approvalId: string }).approvalId}: ${event.text}`);
            if (event.kind === 'confirmation_requested' && event.stepId)
              deps.print(`  go-ahead: recio confirm ${event.stepId}  (${event.text})`);
          }
        }
        return 0;
      }),
    );
}
