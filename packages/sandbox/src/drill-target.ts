import { dirname, resolve } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import {
  BAD_TAG,
  breakWithFlags,
  openSandbox,
  SCENARIOS,
  sandboxStatus,
  type BreakFlags,
  type ProviderName,
  type Scenario,
} from './index.js';

/**
 * What a drill needs of the sandbox, in the drill's own shapes (the bot's drills/drill-types.ts): the
 * bot loads this module only where the sandbox package is installed, and never statically.
 */
export interface DrillFleet {
  withRole(role: 'db' | 'app'): readonly string[];
}
export interface SandboxDrillTarget {
  kind: 'sandbox';
  label: string;
  prepare(scenario: Scenario, flags: BreakFlags, ctx: { fleet: DrillFleet }): Promise<PreparedSandboxBreak>;
}
export interface PreparedSandboxBreak {
  variant: string;
  fingerprints: string[];
  inject(): Promise<string[]>;
  external?: { endsWhen(steps: ReadonlyArray<{ action: string; state: string }>): boolean; end(): Promise<void> };
}

function hostWith(ctx: { fleet: DrillFleet }, role: 'db' | 'app'): string {
  const [host] = ctx.fleet.withRole(role);
  if (host === undefined) throw new RecioError(ErrorCode.ConfigInvalid, `the fleet has no ${role} host to drill on`);
  return host;
}

/** What the monitor opens for each fault: the same fingerprints src/incidents/failure.ts gives. */
function fingerprintsOf(scenario: Scenario, flags: BreakFlags, ctx: { fleet: DrillFleet }): string[] {
  switch (scenario) {
    case 'postgres-failure':
      return [`db:${hostWith(ctx, 'db')}`];
    case 'service-crash':
      return [`program:${hostWith(ctx, 'app')}/${flags.service ?? 'trade_executor'}`];
    case 'provider-outage':
      return [`provider:${flags.provider ?? 'kalshi'}`];
    case 'bad-release':
      return [`release:${hostWith(ctx, 'app')}/${flags.tag ?? BAD_TAG}`];
  }
}

/**
 * The sandbox at `dir`: every scenario of the plan can be broken there for real (`breakScenario`).
 * It must be healthy first, so the drill measures its own fault and nothing left from before.
 */
export function sandboxTarget(dir: string): SandboxDrillTarget {
  return {
    kind: 'sandbox',
    label: dir,
    async prepare(scenario, flags, ctx): Promise<PreparedSandboxBreak> {
      const sandbox = openSandbox(dir);
      const status = await sandboxStatus(dir);
      const broken = [
        ...status.components.filter((c) => !c.ok).map((c) => c.name),
        ...status.faults.filter((f) => f.inEffect).map((f) => `${f.scenario} (${f.target})`),
      ];
      if (!status.ok || broken.length > 0) {
        throw new RecioError(
          ErrorCode.InvalidRequest,
          `the sandbox at ${dir} is not healthy (${broken.join(', ') || 'see `recio sandbox status`'}): ` +
            `a drill starts from a healthy system — \`recio sandbox heal --dir ${dir}\``,
        );
      }
      const provider = (flags.provider ?? 'kalshi') as ProviderName;
      const variant =
        flags.variant ??
        { 'postgres-failure': 'stop', 'service-crash': 'transient', 'provider-outage': '503', 'bad-release': 'deploy' }[
          scenario
        ];
      return {
        variant,
        fingerprints: fingerprintsOf(scenario, flags, ctx),
        inject: async () => (await breakWithFlags(sandbox, scenario, flags)).summary,
        // The outage ends once the recovery has disabled auto entries and waits for the providers:
        // the stand-in answers again, as Kalshi or Coinbase would after a while.
        ...(scenario === 'provider-outage'
          ? {
              external: {
                endsWhen: (steps) => steps.some((s) => s.action === 'service.stop' && s.state === 'succeeded'),
                end: async () => sandbox.providers[provider].setMode('ok'),
              },
            }
          : {}),
      };
    },
  };
}

/** Whether `fleetPath` is the fleet file of the sandbox in its folder (drills from Slack run only there). */
export function isSandboxFleet(fleetPath: string): boolean {
  try {
    return resolve(openSandbox(dirname(resolve(fleetPath))).fleetPath) === resolve(fleetPath);
  } catch {
    // No sandbox state beside that fleet file: not a sandbox fleet.
    return false;
  }
}

/** The environment that points a bot at the sandbox in `dir` (its fleet, key, URLs). */
export function botEnvOf(dir: string): Record<string, string> {
  return { ...openSandbox(dir).env };
}

export { SCENARIOS as SANDBOX_SCENARIOS };
