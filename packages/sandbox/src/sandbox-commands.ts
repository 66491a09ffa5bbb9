import type { Command } from 'commander';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import {
  breakWithFlags,
  formatDownReport,
  formatSandboxStatus,
  heal,
  isScenario,
  openSandbox,
  sandboxDown,
  sandboxStatus,
  sandboxUp,
  SCENARIOS,
  type Scenario,
  type SandboxTuning,
} from './index.js';
import { formatReaped, reapMarkers } from './leftover-markers.js';
import { SandboxTuning as TuningSchema } from './sandbox-state.js';

interface Deps {
  print(line: string): void;
  setExitCode(code: number): void;
}

const DEFAULT_DIR = './.sandbox';

/** `--tune dbGraceSeconds=5 --tune webMaxFeedAgeSeconds=10`, checked against the tuning schema. */
function parseTuning(pairs: string[]): Partial<SandboxTuning> {
  const raw: Record<string, number> = {};
  for (const pair of pairs) {
    const [key, value] = pair.split('=');
    if (key === undefined || value === undefined || !Number.isFinite(Number(value))) {
      throw new RecioError(ErrorCode.InvalidParams, `--tune expects key=number, got ${JSON.stringify(pair)}`);
    }
    raw[key] = Number(value);
  }
  const parsed = TuningSchema.partial().safeParse(raw);
  if (!parsed.success) {
    const known = Object.keys(TuningSchema.shape).join(', ');
    throw new RecioError(
      ErrorCode.InvalidParams,
      `--tune: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (known: ${known})`,
    );
  }
  return parsed.data;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerSandboxCommands(program: Command, deps: Deps): void {
  const sandbox = program
    .command('sandbox')
    .description('a sandbox REC.IO v2 on this machine (loopback only), and one fault per plan scenario');

  sandbox
    .command('up')
    .description('make and start the sandbox (idempotent: a second up changes nothing)')
    .option('--dir <path>', 'the sandbox directory', DEFAULT_DIR)
    .option('--user <name>', 'the OS account REC.IO runs as and the agent logs in as (root only)')
    .option('--pg-bin <dir>', 'PostgreSQL bin dir (default: newest /usr/lib/postgresql/<major>/bin)')
    .option(
      '--tune <key=value>',
      'a timing for tests and drills, e.g. dbGraceSeconds=5 (repeatable; first up only)',
      collect,
      [],
    )
    .option('--timeout <seconds>', 'how long to wait for every component to answer', '90')
    .action(async (opts: { dir: string; user?: string; pgBin?: string; tune: string[]; timeout: string }) => {
      const started = performance.now();
      const made = await sandboxUp({
        dir: opts.dir,
        ...(opts.user === undefined ? {} : { user: opts.user }),
        ...(opts.pgBin === undefined ? {} : { pgBinDir: opts.pgBin }),
        tuning: parseTuning(opts.tune),
        timeoutMs: Number(opts.timeout) * 1000,
        onProgress: (line) => deps.print(`  ${line}`),
      });
      deps.print(`sandbox up in ${((performance.now() - started) / 1000).toFixed(1)} s: ${made.dir}`);
      deps.print(`  fleet ${made.fleetPath} (host sbx1, ${made.user.name}@127.0.0.1:${made.ports.ssh})`);
      deps.print(`  use it: set -a; . ${made.envPath}; set +a; recio status`);
    });

  sandbox
    .command('down')
    .description('stop every process of the sandbox and remove its directory (and the OS user it made)')
    .option('--dir <path>', 'the sandbox directory', DEFAULT_DIR)
    .option(
      '--leftovers',
      'instead: reap what killed test runs and drills left (sandboxes, sshd, supervisord, accounts, databases)',
    )
    .option('--all', 'with --leftovers: also what a live run still owns')
    .option('--database-url <url>', 'with --leftovers: an admin URL to drop leftover test databases')
    .action(async (opts: { dir: string; leftovers?: boolean; all?: boolean; databaseUrl?: string }) => {
      if (opts.leftovers) {
        const reaped = await reapMarkers({
          all: opts.all === true,
          ...(opts.databaseUrl ? { adminDatabaseUrl: opts.databaseUrl } : {}),
        });
        for (const line of formatReaped(reaped)) deps.print(line);
        if (reaped.some((r) => !r.ok)) deps.setExitCode(1);
        return;
      }
      for (const line of formatDownReport(await sandboxDown(opts.dir))) deps.print(line);
    });

  sandbox
    .command('status')
    .description('each component ✔/✖ with its port and pid, the checked-out release, active faults')
    .option('--dir <path>', 'the sandbox directory', DEFAULT_DIR)
    .action(async (opts: { dir: string }) => {
      const status = await sandboxStatus(opts.dir);
      for (const line of formatSandboxStatus(status)) deps.print(line);
      if (!status.ok) deps.setExitCode(1);
    });

  sandbox
    .command('break <scenario>')
    .description(`inject one fault: ${SCENARIOS.join(', ')}`)
    .option('--dir <path>', 'the sandbox directory', DEFAULT_DIR)
    .option(
      '--variant <name>',
      'postgres-failure: stop|drop-table; service-crash: transient|persistent; provider-outage: 503|hang',
    )
    .option('--service <name>', 'service-crash: the program (default trade_executor)')
    .option('--provider <name>', 'provider-outage: kalshi|coinbase (default kalshi)')
    .option('--tag <tag>', 'bad-release: the tag to deploy (default v2.5.0)')
    .action(
      async (
        scenario: string,
        opts: { dir: string; variant?: string; service?: string; provider?: string; tag?: string },
      ) => {
        if (!isScenario(scenario))
          throw new RecioError(
            ErrorCode.InvalidParams,
            `unknown scenario "${scenario}" (known: ${SCENARIOS.join(', ')})`,
          );
        const { dir, ...options } = opts;
        const report = await breakWithFlags(openSandbox(dir), scenario, options);
        deps.print(`broke ${report.scenario} (${report.variant}, ${report.target}):`);
        for (const line of report.summary) deps.print(`  ${line}`);
      },
    );

  sandbox
    .command('heal [scenario]')
    .description('undo a fault (or all) and restart what gave up — for tests and resets; in drills the runbooks heal')
    .option('--dir <path>', 'the sandbox directory', DEFAULT_DIR)
    .option('--timeout <seconds>', 'how long to wait for the sandbox to be healthy again', '90')
    .action(async (scenario: string | undefined, opts: { dir: string; timeout: string }) => {
      if (scenario !== undefined && !isScenario(scenario))
        throw new RecioError(
          ErrorCode.InvalidParams,
          `unknown scenario "${scenario}" (known: ${SCENARIOS.join(', ')})`,
        );
      const report = await heal(openSandbox(opts.dir), scenario as Scenario | undefined, Number(opts.timeout) * 1000);
      for (const line of report.healed.length === 0 ? ['nothing to heal'] : report.healed) deps.print(line);
      deps.print('healthy: every program RUNNING, web /health 200');
    });
}
