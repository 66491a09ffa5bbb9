import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isRecioError } from '@recio/protocol/errors';
import { loadRunbooks } from '../runbooks/loader.js';
import { checkRestartOrder } from '../runbooks/restart-order.js';
import { loadTopology, TOPOLOGY_FILE } from '../runbooks/topology.js';

/** `recio runbooks check`: validates commands/*.yml without starting anything; non-zero on any problem. */
export function registerRunbookCommands(
  program: Command,
  deps: { print(line: string): void; setExitCode(code: number): void; runbooksDir(): string },
): void {
  const runbooks =
    program.commands.find((c) => c.name() === 'runbooks') ??
    program.command('runbooks').description('the runbooks in commands/');
  runbooks
    .command('check')
    .description(
      "validate every runbook file (schema, ids, each step's params) and topology.yml without starting the bot",
    )
    .option('--dir <dir>', 'runbook directory (default RECIO_RUNBOOKS_DIR or commands)')
    .action((opts: { dir?: string }) => {
      const dir = opts.dir ?? deps.runbooksDir();
      try {
        const loaded = loadRunbooks(resolve(dir), dir);
        for (const [id, book] of loaded) deps.print(`✔ ${dir}/${id}.yml — ${book.title} (${book.steps.length} steps)`);
        const topology = loadTopology(resolve(dir), dir, new Set(loaded.keys()));
        checkRestartOrder(loaded, topology, dir);
        const { causes, programs, feeds } = topology.spec;
        deps.print(
          `✔ ${dir}/${TOPOLOGY_FILE} — ${Object.keys(causes).length} causes, ` +
            `${Object.keys(programs).length} programs, ${Object.keys(feeds).length} feeds`,
        );
      } catch (error) {
        if (!isRecioError(error, 'config_invalid')) throw error;
        for (const problem of (error.context.problems as string[] | undefined) ?? [error.message])
          deps.print(`✖ ${problem}`);
        deps.setExitCode(1);
      }
    });
}
