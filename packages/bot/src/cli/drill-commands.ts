import type { Command } from 'commander';
import { cliUnixUser } from './cli-user.js';
import {
  formatDrillResult,
  isScenario,
  openDrillContext,
  runDrill,
  SCENARIOS,
  type BreakFlags,
} from '../drills/index.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { StoreLogger } from '../store/index.js';

export interface DrillCommandDeps {
  print(line: string): void;
  setExitCode(code: number): void;
  /** The environment the drill's bot reads (process.env in the CLI). */
  env(): Record<string, string | undefined>;
}

interface DrillFlags extends BreakFlags {
  sandbox?: string;
  fleet?: string;
  approveAs?: string;
  detectTimeout: string;
  greenTimeout: string;
  json?: boolean;
}

// Warnings go to stderr, so stdout stays the drill's own lines (or its JSON).
const stderrLogger: StoreLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => process.stderr.write(`recio: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`recio: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
};

const secondsOption = (value: string, name: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new RecioError(ErrorCode.InvalidParams, `${name} expects seconds, got ${JSON.stringify(value)}`);
  return n * 1000;
};

/** `recio drill <scenario> [--sandbox .sandbox | --fleet staging.yml]` — the plan's §5, from a terminal. */
export function registerDrillCommands(program: Command, deps: DrillCommandDeps): void {
  program
    .command('drill <scenario>')
    .description(
      `break a scenario (${SCENARIOS.join(', ')}) on the sandbox or a staging fleet, ` +
        'let the bot detect and recover it, and record the drill (§5)',
    )
    .option('--sandbox <dir>', 'the sandbox to drill (the default, ./.sandbox)')
    .option('--fleet <file>', 'a staging fleet instead: only service-crash of a feed watchdog, by service.stop')
    .option(
      '--variant <name>',
      'postgres-failure: stop|drop-table; service-crash: transient|persistent; provider-outage: 503|hang',
    )
    .option('--service <name>', 'service-crash: the program')
    .option('--provider <name>', 'provider-outage: kalshi|coinbase')
    .option('--tag <tag>', 'bad-release: the tag to deploy')
    .option(
      '--approve-as <id>',
      "the second person for the restore or rollback (a lead_operator's Slack id, or cli:<name>; default: you)",
    )
    .option('--detect-timeout <seconds>', 'how long the monitor may take to open the incident', '180')
    .option('--green-timeout <seconds>', 'how long the checklist may take to go green', '300')
    .option('--json', 'print the result as JSON')
    .action(async (scenario: string, opts: DrillFlags) => {
      if (!isScenario(scenario))
        throw new RecioError(
          ErrorCode.InvalidParams,
          `unknown scenario "${scenario}" (known: ${SCENARIOS.join(', ')})`,
        );
      if (opts.sandbox !== undefined && opts.fleet !== undefined)
        throw new RecioError(ErrorCode.InvalidParams, '--sandbox or --fleet, not both');
      const me = `cli:${cliUnixUser(deps.env(), deps.env().RECIO_DATA_DIR)}`;
      const flags: BreakFlags = Object.fromEntries(
        Object.entries({ variant: opts.variant, service: opts.service, provider: opts.provider, tag: opts.tag }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      const opened = await openDrillContext({
        env: deps.env(),
        ...(opts.fleet !== undefined ? { fleetPath: opts.fleet } : { sandboxDir: opts.sandbox ?? './.sandbox' }),
        logger: stderrLogger,
      });
      try {
        const result = await runDrill(opened.ctx, opened.target, {
          scenario,
          flags,
          startedBy: me,
          approveAs: opts.approveAs ?? me,
          timeouts: {
            detectMs: secondsOption(opts.detectTimeout, '--detect-timeout'),
            greenMs: secondsOption(opts.greenTimeout, '--green-timeout'),
          },
          ...(opts.json ? {} : { onProgress: deps.print }),
        });
        if (opts.json) deps.print(JSON.stringify(result));
        else for (const line of formatDrillResult(result)) deps.print(line);
        if (!result.ok) deps.setExitCode(1);
      } finally {
        await opened.close();
      }
    });
}
