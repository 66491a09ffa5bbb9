import type { Command } from 'commander';
import { readAnchors, runMigrations, verifyAuditChain, type Store } from '../store/index.js';

/** What the store commands need from the CLI around them. */
export interface StoreCommandDeps {
  /** Opens the store as configured; `migrate: false` so `recio migrate` reports what it applies. */
  openStore(options: { migrate: boolean }): Promise<Store>;
  /** Defaults to stdout / stderr lines. */
  print?: (line: string) => void;
  printError?: (line: string) => void;
  /** Defaults to setting process.exitCode, so the store still closes before the process ends. */
  setExitCode?: (code: number) => void;
  /** Where the bot anchors the chain's head outside the database (beside the data dir). */
  anchorFile?: () => string | undefined;
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
            'warning: the database has migrations this build does not know ' +
              `(${report.unknownInDatabase.join(', ')}); a newer recio-bot has run against it`,
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
    .option('--anchors <file>', 'the anchor file to check the chain against (default: beside the data dir)')
    .action((opts: { json?: boolean; anchors?: string }) =>
      withStore(true, async (store) => {
        const file = opts.anchors ?? deps.anchorFile?.();
        const { anchors, unreadable } = file ? await readAnchors(file) : { anchors: [], unreadable: [] };
        if (unreadable.length > 0) printError(`warning: ${file}: lines ${unreadable.join(', ')} are not anchors`);
        const verdict = await verifyAuditChain(store, anchors);
        if (opts.json) print(JSON.stringify(verdict));
        else if (verdict.ok) {
          print(
            `audit chain intact: ${verdict.checked} rows` +
              (verdict.headId === null ? '' : `, head row ${verdict.headId} ${verdict.headHash}`),
          );
          print(
            verdict.anchorsChecked > 0
              ? `matches ${verdict.anchorsChecked} anchors in ${file}`
              : `no anchors to check against${file ? ` (${file} has none)` : ''}: a cut tail would not show`,
          );
        } else {
          printError(
            `audit chain BROKEN at row ${verdict.brokenId}: ${verdict.message} ` +
              `(${verdict.checked} rows before it are intact)`,
          );
        }
        if (!verdict.ok) setExitCode(1);
      }),
    );
}
