import type { Command } from 'commander';
import type { Core } from '../compose.js';
import type { Answer } from '../operations/types.js';

export interface BreakGlassCommandDeps {
  withCore(fn: (core: Core) => Promise<number>): Promise<void>;
  /** `cli:<unix user>`: RECIO_CLI_USERS makes it a Slack person with that person's roles. */
  cliActor(): string;
  originFor(core: Core): Parameters<Core['ops']['breakGlass']>[3];
  show(core: Core, answer: Answer): Promise<number>;
  print(line: string): void;
}

/**
 * Break-glass at the terminal, for when Slack is down too: the same door and the same checks as
 * the button and its modal (the requester only, after the wait, a reason and the typed target;
 * the review by someone else, with a note). `--reason`, `--target` and `--note` are required.
 */
export function registerBreakGlassCommands(program: Command, deps: BreakGlassCommandDeps): void {
  program
    .command('break-glass <approval-id>')
    .description('run your own waiting restore or rollback alone, after the wait (reviewed later)')
    .requiredOption('--reason <text>', 'why it cannot wait for a second lead_operator (20 characters at least)')
    .requiredOption('--target <name>', 'the target, typed: the tag, the dump date or the host')
    .action((id: string, options: { reason: string; target: string }) =>
      deps.withCore(async (core) => {
        const actor = await core.ops.actorFor(deps.cliActor());
        const input = { reason: options.reason, typed: options.target };
        return deps.show(core, await core.ops.breakGlass(id, input, actor, deps.originFor(core)));
      }),
    );
  program
    .command('break-glass-review <break-glass-id>')
    .description("review someone else's break-glass (security_officer or another lead_operator)")
    .requiredOption('--note <text>', 'what you checked (20 characters at least)')
    .action((id: string, options: { note: string }) =>
      deps.withCore(async (core) => {
        const actor = await core.ops.actorFor(deps.cliActor());
        return deps.show(core, await core.ops.reviewBreakGlass(id, options.note, actor, deps.originFor(core)));
      }),
    );
  program
    .command('break-glasses')
    .description('break-glasses still waiting for their review')
    .action(() =>
      deps.withCore(async (core) => {
        for (const b of await core.ops.unreviewedBreakGlass()) {
          deps.print(`${b.id}  by ${b.brokenBy}  at ${b.brokenAt.toISOString()}  needs review — ${b.reason}`);
        }
        return 0;
      }),
    );
}
