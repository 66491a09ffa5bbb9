import type { Command } from 'commander';
import { runMigrations, verifyAuditChain, type Store } from '../store/index.js';

/** What the store commands need from the CLI around them. */
export interface StoreCommandDeps {
  /** Opens the store as configured; `migrate: false` so `recio migrate` reports what it applies. */
  openStore(options: { migrate: boolean }): Promise<Store>;
  /** Defaults to stdout / stderr lines. */
  print?: (line: string) => void;
  printError?: (line: string) => void;
  /** Defaults to setting process.exitCode, so the store still closes before the process ends. */
  setExitCode?: (code: number) => void;
}

/** Adds `recio migrate` and `recio audit verify`. */
export function registerStoreCommands(program: Command, deps: StoreCommandDeps): void {
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printError = deps.printError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const setExitCode =
    deps.setExitCode ??
    ((code: number) => {
      process.exitCode = code;
    });

  const withStore = async (migrate: boolean, fn: (store: Store) => Promise<void>): Promise<void> => {
    const store = await deps.openStore({ migrate });
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  program
    .command('migrate')
    .description("apply the store's pending schema migrations")
    .action(() =>
      withStore(false, async (store) => {
        const report = await runMigrations(store);
        for (const name of report.applied) print(`applied ${name}`);
        if (report.applied.length === 0) print(`up to date (${report.alreadyApplied} migrations applied earlier)`);
        if (report.unknownInDatabase.length > 0) {
          printError(
            `warning: the database has migrations this build does not know (${report.unknownInDatabase.join(', ')}); a newer recio-bot has run against it`,
          );
        }
      }),
    );

  const audit =
    program.commands.find((c) => c.name() === 'audit') ??
    program.command('audit').description('the append-only audit log');
  audit
    .command('verify')
    .description('walk the audit hash chain and name the first row that does not hold')
    .option('--json', 'print the verdict as JSON')
    .action((opts: { json?: boolean }) =>
      withStore(true, async (store) => {
        const verdict = await verifyAuditChain(store);
        if (opts.json) print(JSON.stringify(verdict));
        else if (verdict.ok) {
          print(
            `audit chain intact: ${verdict.checked} rows${verdict.headId === null ? '' : `, head row ${verdict.headId} ${verdict.headHash}`}`,
          );
        } else {
          printError(
            `audit chain BROKEN at row ${verdict.brokenId}: ${verdict.message} (${verdict.checked} rows before it are intact)`,
          );
        }
        if (!verdict.ok) setExitCode(1);
      }),
    );
}
