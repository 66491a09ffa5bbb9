import type { Command } from 'commander';
import { formatCheck } from '../doctor/check.js';
import { runDoctor } from '../doctor/run-doctor.js';

/** `recio doctor`: one line per check with ✔/✖ and what to do; non-zero on any ✖. */
export function registerDoctorCommand(
  program: Command,
  deps: { print(line: string): void; setExitCode(code: number): void },
): void {
  program
    .command('doctor')
    .description('check config, Slack, the store, every host (key pin, agent protocol, services) and backups')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { json?: boolean }) => {
      const results = await runDoctor(process.env);
      if (opts.json) deps.print(JSON.stringify(results));
      else for (const result of results) deps.print(formatCheck(result));
      if (results.some((r) => !r.ok)) deps.setExitCode(1);
    });
}
