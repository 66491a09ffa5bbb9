import { ErrorCode, RecioError } from '../errors.js';
import { BAD_TAG, breakWithFlags, openSandbox, sandboxStatus, type BreakFlags, type ProviderName, type Scenario } from '../sandbox/index.js';
import type { DrillContext, DrillTarget, PreparedBreak } from './drill-types.js';

function hostWith(ctx: DrillContext, role: 'db' | 'app'): string {
  const [host] = ctx.ops.deps.fleet.withRole(role);
  if (host === undefined) throw new RecioError(ErrorCode.ConfigInvalid, `the fleet has no ${role} host to drill on`);
  return host;
}

/** What the monitor opens for each fault: the same fingerprints src/incidents/failure.ts gives. */
function fingerprintsOf(scenario: Scenario, flags: BreakFlags, ctx: DrillContext): string[] {
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
export function sandboxTarget(dir: string): DrillTarget {
  return {
    kind: 'sandbox',
    label: dir,
    async prepare(scenario, flags, ctx): Promise<PreparedBreak> {
      const sandbox = openSandbox(dir);
      const status = await sandboxStatus(dir);
      const broken = [...status.components.filter((c) => !c.ok).map((c) => c.name), ...status.faults.filter((f) => f.inEffect).map((f) => `${f.scenario} (${f.target})`)];
      if (!status.ok || broken.length > 0) {
        throw new RecioError(ErrorCode.InvalidRequest, `the sandbox at ${dir} is not healthy (${broken.join(', ') || 'see `recio sandbox status`'}): a drill starts from a healthy system — \`recio sandbox heal --dir ${dir}\``);
      }
      const provider = (flags.provider ?? 'kalshi') as ProviderName;
      const variant = flags.variant ?? { 'postgres-failure': 'stop', 'service-crash': 'transient', 'provider-outage': '503', 'bad-release': 'deploy' }[scenario];
      return {
        variant,
        fingerprints: fingerprintsOf(scenario, flags, ctx),
        inject: async () => (await breakWithFlags(sandbox, scenario, flags)).summary,
        // The outage ends once the recovery has disabled auto entries and waits for the providers:
        // the stand-in answers again, as Kalshi or Coinbase would after a while.
        ...(scenario === 'provider-outage'
          ? { external: { endsWhen: (steps) => steps.some((s) => s.action === 'service.stop' && s.state === 'succeeded'), end: async () => sandbox.providers[provider].setMode('ok') } }
          : {}),
      };
    },
  };
}
