import { dirname, resolve } from 'node:path';
import type { DrillParts } from '../compose.js';
import type { Monitor } from '../monitor/monitor.js';
import type { Operations } from '../operations/operations.js';
import type { Drills } from '../operations/types.js';
import type { StoreLogger } from '../store/index.js';
import { isScenario, SCENARIOS, type DrillContext, type DrillTarget } from './drill-types.js';
import { loadSandboxDrills } from './sandbox-drills.js';
import { beginDrill } from './run-drill.js';

/**
 * What `/recio drill` may break: the bot's own fleet, and only when that fleet is a sandbox — a drill
 * breaks things for real, and a chat command must not be a way to stop production's programs.
 */
export async function drillTargetFor(
  fleet: string | undefined,
): Promise<{ target: DrillTarget } | { refusal: string }> {
  const staging = 'Drill a staging fleet from a terminal: `recio drill <scenario> --fleet staging.yml`.';
  if (fleet === undefined) {
    const none = 'Drills from Slack run against a sandbox fleet, and this bot has none (RECIO_FLEET is unset).';
    return { refusal: `${none} ${staging}` };
  }
  const sandbox = await loadSandboxDrills();
  if (sandbox === undefined)
    return {
      refusal:
        'Drills from Slack run against a sandbox, and this installation has no sandbox package ' +
        `(it comes with the repository). ${staging}`,
    };
  if (sandbox.isSandboxFleet(fleet)) return { target: sandbox.sandboxTarget(dirname(resolve(fleet))) };
  return {
    refusal:
      `Drills from Slack run only against a sandbox, and this bot's fleet (${fleet}) is not one: ` +
      `a drill breaks things for real. ${staging}`,
  };
}

export interface BotDrillsDeps {
  /** The door the drill acts through, as a person would. */
  ops: Operations;
  parts: DrillParts;
  logger: StoreLogger;
  /** Without the bot's own monitor running (tests), a drill starts one of these for its length. */
  ownMonitor: (() => Monitor) | undefined;
}

/**
 * `/recio drill <scenario>` in the bot: one drill at a time per process; the person who asked is the
 * second person for its approvals (the drill itself asks, as `drill`); the answer comes at once and
 * the result is posted in the channel when the drill ends.
 */
export function createBotDrills(deps: BotDrillsDeps): Drills {
  const { ops, parts, logger } = deps;
  let allowed: Promise<{ target: DrillTarget } | { refusal: string }> | undefined;
  let running: { scenario: string; by: string; at: Date } | undefined;
  return {
    async start(scenario, actor, origin) {
      if (!isScenario(scenario))
        return { type: 'text', text: `Unknown scenario \`${scenario}\`: drills know ${SCENARIOS.join(', ')}.` };
      allowed ??= drillTargetFor(parts.settings.fleetPath);
      const target = await allowed;
      if ('refusal' in target) return { type: 'text', text: target.refusal };
      if (running)
        return {
          type: 'text',
          text:
            `A drill is running already (${running.scenario}, started by <@${running.by}> ` +
            `at ${running.at.toISOString().slice(11, 19)} UTC): one at a time.`,
        };
      const channel = origin.channel ?? parts.settings.opsChannel;
      const ctx: DrillContext = {
        store: parts.store,
        ops,
        desk: parts.desk,
        fleet: parts.fleet,
        hosts: parts.hosts,
        channel,
        notify: () => parts.signals.emit('outbox'),
        ensureMonitor: async () => {
          if (deps.ownMonitor === undefined) return async () => undefined;
          const own = deps.ownMonitor();
          await own.start();
          await own.probeOnce();
          return () => own.close();
        },
      };
      running = { scenario, by: actor.id, at: new Date() };
      try {
        const started = await beginDrill(ctx, target.target, {
          scenario,
          startedBy: actor.id,
          approveAs: actor.id,
          onProgress: (line) => logger.info({ scenario }, `drill: ${line.trim()}`),
        });
        void started.finished.finally(() => (running = undefined));
        return {
          type: 'text',
          text:
            `Drill started: ${scenario} (${started.variant}) on the sandbox — ` +
            `drill \`${started.drillId.slice(0, 8)}\`. ` +
            `A fault is injected now; the monitor should open its incident${channel ? ` in <#${channel}>` : ''}, ` +
            'the drill recovers it, and the result is posted when it ends. You are its second person for approvals.',
        };
      } catch (error) {
        running = undefined;
        return { type: 'text', text: `No drill: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
