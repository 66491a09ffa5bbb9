import type { Config } from './config.js';
import { createCoreMonitor } from './core/core-monitor.js';
import { openCore, type Core } from './core/open-core.js';
import { runDoctor } from './doctor/run-doctor.js';
import { createBotDrills } from './drills/index.js';
import { IncidentDesk } from './incidents/desk.js';
import type { Monitor } from './monitor/monitor.js';
import type { Logger } from './observability/logger.js';
import { agentOutcomeOf, createMetrics, type Metrics } from './observability/metrics.js';
import { metricsRoute } from './observability/metrics-route.js';
import type { EngineObserver } from './runbooks/engine.js';
import { startSchedules } from './scheduler/schedules.js';
import { SshTransport } from './hosts/ssh-transport.js';
import {
  createGroupMembers,
  createPublisher,
  createSlackApp,
  createSlackWebClient,
  type Publisher,
  type SlackApp,
  type SlackSettings,
} from './slack/index.js';

export interface BotOptions {
  logger: Logger;
  slack: SlackSettings;
  metrics?: Metrics;
  /** The monitor and the nightly/daily schedules (off for tools that only want the Slack surface). */
  monitor?: boolean;
  /** The environment the daily doctor checks (default process.env). */
  doctorEnv?: Record<string, string | undefined>;
}

/** The running bot: every part wired, and one way to stop it gracefully. */
export interface Bot {
  core: Core;
  app: SlackApp;
  publisher: Publisher;
  desk: IncidentDesk;
  monitor: Monitor | undefined;
  metrics: Metrics;
  port: number;
  /** Stops taking work, lets running steps finish up to the deadline, marks the rest interrupted, closes everything. */
  stop(deadlineMs: number): Promise<{ interrupted: number }>;
}

function metricsObserver(metrics: Metrics): EngineObserver {
  return {
    stepFinished: (step, outcome, state, seconds) => {
      metrics.countStep(state);
      metrics.observeAgentAction(
        step.host,
        step.action,
        agentOutcomeOf({
          ok: state === 'succeeded',
          timedOut: outcome === 'timeout',
          outcomeUnknown: outcome === 'unknown',
        }),
        seconds,
      );
    },
    runFinished: (state) => metrics.countRun(state),
  };
}

/** config → store → hosts → engine → Slack (+ monitor, schedules): what `npm start` runs. */
export async function startBot(config: Config, options: BotOptions): Promise<Bot> {
  const { logger, slack } = options;
  const opsChannel = config.env.RECIO_OPS_CHANNEL;
  const webClient = createSlackWebClient(slack, logger);
  const groupsOf = createGroupMembers(webClient);
  let core: Core | undefined;
  const metrics =
    options.metrics ??
    createMetrics({
      processMetrics: true,
      sources: {
        sshTransports: () =>
          core
            ? core.hosts
                .names()
                .map((n) => core!.hosts.get(n).transport)
                .filter((t): t is SshTransport => t instanceof SshTransport)
            : [],
        openIncidents: async () => (core ? (await core.store.incidents.listUnresolved()).length : 0),
      },
    });
  // The desk is made after the core; a run settled before that has no incident to tell.
  let desk: IncidentDesk | undefined;
  const observer: EngineObserver = {
    ...metricsObserver(metrics),
    runSettled: (run) => {
      if (run.incidentId)
        void desk
          ?.offerResolveIfReady(run.incidentId)
          .catch((error: Error) => logger.warn({ err: error.message }, 'offering Resolve failed'));
    },
  };
  core = await openCore(config, { logger, groupsOf, observer });
  const stops: Array<() => Promise<unknown>> = [() => core!.close()];
  try {
    const recovered = await core.store.recoverInterruptedSteps({ fallbackChannel: opsChannel ?? null });
    if (recovered.steps.length > 0)
      logger.warn({ steps: recovered.steps.length }, 'steps left running by a previous process are marked interrupted');
    // The Slack app is made after the publisher; an incident message sent before that has no Home to refresh.
    let homes: SlackApp['homes'] | undefined;
    const publisher = createPublisher({
      store: core.store,
      client: webClient,
      logger,
      metrics,
      engine: core.engine,
      onSent: (message) => homes?.afterSent(message),
    });
    core.onChange(() => publisher.wake());
    desk = new IncidentDesk(core.store, core.ops, { opsChannel, onChange: () => publisher.wake() });
    const app = createSlackApp({
      slack,
      operations: core.ops,
      logger,
      metrics,
      extraRoutes: [metricsRoute(metrics)],
      onOutbox: () => publisher.wake(),
      incidents: desk,
    });
    homes = app.homes;
    publisher.start();
    stops.unshift(() => publisher.stop());
    const { port } = await app.start();
    stops.unshift(() => app.stop());
    let monitor: Monitor | undefined;
    let stopSchedules: () => void = () => undefined;
    if (options.monitor !== false) {
      monitor = createCoreMonitor(core, desk, logger);
      await monitor.start();
      const leading = monitor;
      stopSchedules = startSchedules(
        {
          store: core.store,
          ops: core.ops,
          opsChannel,
          logger,
          isLeader: () => leading.isLeader,
          doctor: () => runDoctor(options.doctorEnv ?? process.env),
        },
        { backup: config.env.RECIO_BACKUP_CRON, doctor: config.env.RECIO_DOCTOR_CRON },
      );
    }
    // `/recio drill`: only against a sandbox fleet (src/drills/bot-drills.ts says why).
    core.ops.deps.drills = createBotDrills({ core, desk, monitor, logger, notify: () => publisher.wake() });
    return {
      core,
      app,
      publisher,
      desk,
      monitor,
      metrics,
      port,
      async stop(deadlineMs) {
        // No new work: Slack deliveries stop, the monitor and the schedules stop.
        await app.stop().catch(() => undefined);
        stopSchedules();
        await monitor?.close();
        const drained = await core.engine.drain(deadlineMs);
        // What the last steps wrote still reaches Slack, briefly.
        await Promise.race([publisher.drain(), new Promise((r) => setTimeout(r, 5_000).unref())]).catch(
          () => undefined,
        );
        await publisher.stop();
        await core.close();
        return { interrupted: drained.interrupted };
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
}
