import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { DRILL_ACTOR, drillOrigin } from './drill-actors.js';
import type { BreakFlags, DrillContext, DrillTarget, PreparedBreak, Scenario } from './drill-types.js';

/** The programs whose stop the monitor sees (their feed goes stale), and the feed it sees it on. */
const WATCHDOG_FEEDS: Record<string, string> = { btc_price_watchdog: 'btc_price', kalshi_api_watchdog: 'kalshi' };

/** Why each other scenario is not broken on a staging fleet, said before anything is touched. */
const REFUSED: Record<Exclude<Scenario, 'service-crash'>, string> = {
  'postgres-failure':
    'the agent has no action that stops PostgreSQL or drops a table, and a drill will not add one to a real host',
  'provider-outage': 'Kalshi and Coinbase are not ours to break; only the sandbox has provider stand-ins to switch off',
  'bad-release':
    'deploying a release known to be bad is not something the agent does ' +
    '(deploy.rollback goes where a second person approved)',
};

/**
 * A staging fleet (a fleet file of real hosts): only what the agent's own actions can do, and undo,
 * is broken. That is one thing: stopping a feed watchdog (`service.stop`), which the monitor sees
 * as its feed going stale — a clean stop of any other program is, rightly, no alarm.
 */
export function fleetTarget(label: string): DrillTarget {
  return {
    kind: 'fleet',
    label,
    async prepare(scenario: Scenario, flags: BreakFlags, ctx: DrillContext): Promise<PreparedBreak> {
      if (scenario !== 'service-crash') {
        throw new RecioError(
          ErrorCode.InvalidRequest,
          `${scenario} cannot be broken safely on a staging fleet: ${REFUSED[scenario]}. ` +
            `Drill it in the sandbox: recio drill ${scenario} --sandbox .sandbox`,
        );
      }
      const service = flags.service ?? 'btc_price_watchdog';
      const feed = WATCHDOG_FEEDS[service];
      if (feed === undefined) {
        throw new RecioError(
          ErrorCode.InvalidRequest,
          `on a staging fleet only a feed watchdog (${Object.keys(WATCHDOG_FEEDS).join(', ')}) can be drilled: ` +
            `stopping ${service} is a clean stop the monitor does not alarm on, and making it crash needs the sandbox`,
        );
      }
      if (flags.variant !== undefined && flags.variant !== 'stop')
        throw new RecioError(
          ErrorCode.InvalidRequest,
          `on a staging fleet service-crash has one variant, stop (got ${flags.variant})`,
        );
      const [host] = ctx.fleet.withRole('app');
      if (host === undefined) throw new RecioError(ErrorCode.ConfigInvalid, 'the fleet has no app host to drill on');
      const status = await ctx.hosts.run(host, { action: 'service.status', params: { service } });
      const state = (status.data as { programs?: Array<{ name: string; state: string }> } | undefined)?.programs?.find(
        (p) => p.name === service,
      )?.state;
      if (state !== 'RUNNING')
        throw new RecioError(
          ErrorCode.InvalidRequest,
          `${service} on ${host} is ${state ?? 'unknown'}, not RUNNING: a drill starts from a healthy system`,
        );
      return {
        variant: 'stop',
        fingerprints: [`feed:${feed}`],
        inject: async () => {
          // Through Operations like any stop: audited, and told in the channel as a run.
          const answer = await ctx.ops.handle(
            { kind: 'stop', service, host },
            DRILL_ACTOR,
            drillOrigin(ctx, `break:${Date.now()}`),
          );
          if (answer.type !== 'run')
            throw new RecioError(
              ErrorCode.ActionFailed,
              `stopping ${service} was refused: ${'text' in answer ? answer.text : answer.type}`,
            );
          const run = await answer.done;
          if (run.state !== 'succeeded')
            throw new RecioError(ErrorCode.ActionFailed, `stopping ${service} on ${host} ended ${run.state}`);
          return [
            `stopped ${service} on ${host} (service.stop): its ${feed} feed goes stale; ` +
              'the monitor alarms once it is older than its limit',
          ];
        },
      };
    },
  };
}
