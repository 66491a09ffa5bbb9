import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { DROPPED_TABLE } from './recio-schema.js';
import type { Sandbox } from './sandbox-handle.js';
import { scriptArgv } from './sandbox-binaries.js';
import { logFileOf } from './sandbox-paths.js';
import { stopCluster } from './sandbox-postgres.js';
import { requireState, withSandboxLock, writeState, type ProviderName } from './sandbox-state.js';
import { PROGRAM_START_LIMITS, programStatus, supervisorctl } from './sandbox-supervisor.js';
import { asUser } from './sandbox-user.js';
import { BAD_TAG, checkoutRelease, currentRelease } from './release-repo.js';
import { giveTo } from './write-if-changed.js';

/** The plan's four failure scenarios (§1.1–1.4), one fault each. */
export const SCENARIOS = ['postgres-failure', 'service-crash', 'provider-outage', 'bad-release'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What each scenario's fault can be told. */
export interface BreakOptionsByScenario {
  /** `stop`: the server goes down. `drop-table`: kalshi_market_snapshots is dropped (the DB stays up). */
  'postgres-failure': { variant?: 'stop' | 'drop-table' };
  /**
   * The program is killed and its next starts crash. `transient`: as many as supervisord retries,
   * so it ends FATAL and a plain restart brings it back (the plan's step 2). `persistent`: every
   * start crashes until `heal` (the plan's "if repeated failures").
   */
  'service-crash': { variant?: 'transient' | 'persistent'; service?: string };
  'provider-outage': { variant?: '503' | 'hang'; provider?: ProviderName };
  /** The bad tag deployed as a deploy does it: checkout, pip install, `supervisorctl restart all`. */
  'bad-release': { variant?: 'deploy'; tag?: string };
}

export interface BreakReport {
  scenario: Scenario;
  variant: string;
  target: string;
  /** What was broken and what to expect, one line each, for a person. */
  summary: string[];
}

// supervisord's startretries in the sandbox (+1: the first start is not a retry).
const CRASHES_TO_FATAL = PROGRAM_START_LIMITS.startretries + 1;

export function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** The same options as flags from a command line, checked when the fault is injected. */
export interface BreakFlags {
  variant?: string;
  service?: string;
  provider?: string;
  tag?: string;
}

/** Injects one scenario's fault into a running sandbox and records it (status shows it; heal undoes it). */
export function breakScenario<S extends Scenario>(
  sandbox: Sandbox,
  scenario: S,
  options?: BreakOptionsByScenario[S],
): Promise<BreakReport> {
  return breakWithFlags(sandbox, scenario, options ?? {});
}

export async function breakWithFlags(sandbox: Sandbox, scenario: Scenario, flags: BreakFlags): Promise<BreakReport> {
  return withSandboxLock(sandbox.paths, async () => {
    const report = await inject(sandbox, scenario, flags);
    const state = requireState(sandbox.paths);
    const previous = report.previous === undefined ? {} : { previous: report.previous };
    state.faults.push({
      scenario,
      variant: report.variant,
      target: report.target,
      ...previous,
      at: new Date().toISOString(),
    });
    writeState(sandbox.paths, state);
    return { scenario, variant: report.variant, target: report.target, summary: report.summary };
  });
}

async function inject(
  sandbox: Sandbox,
  scenario: Scenario,
  options: BreakFlags,
): Promise<Omit<BreakReport, 'scenario'> & { previous?: string }> {
  const { paths, tuning } = sandbox;
  switch (scenario) {
    case 'postgres-failure': {
      if (options.variant === 'drop-table') {
        const client = new pg.Client({ connectionString: sandbox.db.url, connectionTimeoutMillis: 5_000 });
        client.on('error', () => undefined);
        await client.connect();
        try {
          await client.query(`DROP TABLE IF EXISTS ${DROPPED_TABLE}`);
        } finally {
          await client.end();
        }
        return {
          variant: 'drop-table',
          target: DROPPED_TABLE,
          summary: [
            `dropped table ${DROPPED_TABLE}: \\dt no longer lists it; ` +
              "kalshi_api_watchdog logs 'relation does not exist'",
            `latest dump to restore from: ${sandbox.backupsDir}`,
          ],
        };
      }
      if (options.variant !== undefined && options.variant !== 'stop')
        throw badVariant(scenario, options.variant, ['stop', 'drop-table']);
      const pid = await stopCluster(paths);
      return {
        variant: 'stop',
        target: 'postgres',
        summary: [
          `stopped PostgreSQL (postmaster ${pid === undefined ? 'was not running' : `pid ${pid}`}, ` +
            `port ${sandbox.ports.postgres}): pg_isready fails`,
          `programs log 'could not connect to server' and exit after ${tuning.dbGraceSeconds}s → BACKOFF → FATAL`,
        ],
      };
    }
    case 'service-crash': {
      const service = options.service ?? 'trade_executor';
      if (!(RECIO_PROGRAMS as readonly string[]).includes(service))
        throw new RecioError(
          ErrorCode.UnknownService,
          `unknown service "${service}" (known: ${RECIO_PROGRAMS.join(', ')})`,
        );
      const variant = options.variant ?? 'transient';
      if (variant !== 'transient' && variant !== 'persistent')
        throw badVariant(scenario, variant, ['transient', 'persistent']);
      const faultFile = join(paths.faultsDir, service);
      writeFileSync(faultFile, variant === 'persistent' ? 'always\n' : `${CRASHES_TO_FATAL}\n`, { mode: 0o644 });
      // The program decrements the count itself at each start.
      giveTo(faultFile, sandbox.user);
      const running = (await programStatus(paths))?.find((p) => p.name === service)?.state === 'RUNNING';
      await supervisorctl(paths, ...(running ? ['signal', 'KILL', service] : ['restart', service]));
      const then =
        variant === 'persistent'
          ? 'every start crashes until `recio sandbox heal`'
          : `its next ${CRASHES_TO_FATAL} starts crash, so it ends FATAL; a restart after that succeeds`;
      return {
        variant,
        target: service,
        summary: [`killed ${service} (SIGKILL): ${then}`, `supervisorctl status shows it BACKOFF, then FATAL`],
      };
    }
    case 'provider-outage': {
      const provider = (options.provider ?? 'kalshi') as ProviderName;
      if (provider !== 'kalshi' && provider !== 'coinbase')
        throw new RecioError(ErrorCode.InvalidParams, `unknown provider "${provider}" (kalshi or coinbase)`);
      const variant = options.variant ?? '503';
      if (variant !== '503' && variant !== 'hang') throw badVariant(scenario, variant, ['503', 'hang']);
      sandbox.providers[provider].setMode(variant);
      const feed = provider === 'kalshi' ? 'kalshi_market_snapshots' : 'btc_price_log';
      const what =
        variant === '503'
          ? 'answers 503 on every endpoint'
          : `accepts connections and never answers (callers time out after ${tuning.apiTimeoutMs} ms)`;
      return {
        variant,
        target: provider,
        summary: [
          `${provider} stand-in (127.0.0.1:${sandbox.ports[provider]}) ${what}`,
          `${feed} stops growing; the web UI's /health turns 503 after ${tuning.webMaxFeedAgeSeconds}s`,
        ],
      };
    }
    case 'bad-release': {
      const tag = options.tag ?? BAD_TAG;
      const { user } = sandbox;
      const previous = await currentRelease(paths, user);
      await checkoutRelease(paths, user, tag);
      const [node, ...pip] = scriptArgv('pip-stand-in');
      const runAs = asUser(user, paths.homeDir);
      await execa(node!, [...pip, '--log', logFileOf(paths, 'pip'), 'install', '-r', 'requirements.txt', '--upgrade'], {
        ...runAs,
        cwd: paths.repo,
        reject: false,
      });
      await supervisorctl(paths, 'restart', 'all');
      return {
        variant: 'deploy',
        target: tag,
        ...(previous === undefined ? {} : { previous }),
        summary: [
          `deployed ${tag} over ${previous ?? 'an unknown release'}: ` +
            'git checkout, pip install -r requirements.txt --upgrade, supervisorctl restart all',
          `every program fails at start (ModuleNotFoundError) → BACKOFF → FATAL; \`git describe --tags\` says ${tag}`,
        ],
      };
    }
  }
}

function badVariant(scenario: string, variant: string, known: string[]): RecioError {
  return new RecioError(
    ErrorCode.InvalidParams,
    `unknown variant "${variant}" for ${scenario} (known: ${known.join(', ')})`,
  );
}
