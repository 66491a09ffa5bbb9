import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { Access } from './access/access.js';
import { parseMemberList, type RoleMembers } from './access/roles.js';
import type { Config } from './config.js';
import type { GroupLookup } from './domain/index.js';
import { runDoctor } from './doctor/run-doctor.js';
import { createBotDrills } from './drills/bot-drills.js';
import { type Hosts, hostsFromConfig } from './hosts/fleet-hosts.js';
import { SshTransport } from './hosts/ssh-transport.js';
import { IncidentDesk } from './incidents/desk.js';
import type { Vocabulary } from './intents/intent.js';
import { Monitor, type MonitorOptions } from './monitor/monitor.js';
import { FEED_MAX_AGE_SECONDS } from './monitor/probes.js';
import type { Logger } from './observability/logger.js';
import { agentOutcomeOf, createMetrics, type Metrics } from './observability/metrics.js';
import { metricsRoute } from './observability/metrics-route.js';
import { BreakGlassDoor } from './operations/break-glass.js';
import { BreakGlassReviews } from './operations/break-glass-review.js';
import { Decisions } from './operations/decisions.js';
import { Operations } from './operations/operations.js';
import { RunRequests } from './operations/run-requests.js';
import type { Drills } from './operations/types.js';
import { RunEngine } from './runbooks/engine.js';
import type { ChecksConfig } from './runbooks/checks.js';
import { loadRunbooks, type Runbooks } from './runbooks/loader.js';
import { recoveryOffers, type RecoveryOffers } from './runbooks/picked-dump.js';
import { checkRestartOrder } from './runbooks/restart-order.js';
import { defaultTopology, loadTopology, type Topology } from './runbooks/topology.js';
import type { FleetView } from './runbooks/plan.js';
import { startApprovalExpiry } from './scheduler/approval-expiry.js';
import { startAuditAnchoring } from './scheduler/audit-anchoring.js';
import { startRunResume } from './scheduler/run-resume.js';
import { nightlyRestoreTest } from './scheduler/restore-test.js';
import { configArchiveJob, historyArchiveJob } from './scheduler/archive-jobs.js';
import { startSchedules } from './scheduler/schedules.js';
import { Signals } from './signals.js';
import {
  createGroupMembers,
  createPublisher,
  createSlackApp,
  createSlackWebClient,
  type Publisher,
  type SlackApp,
  type SlackSettings,
} from './slack/index.js';
import { anchorFileFor, openStore, type Store, type StoreLogger, storeOptionsFromConfig } from './store/index.js';

/** What the core is told from the config (or, in tests, directly). */
export interface CoreSettings {
  opsChannel?: string | undefined;
  /** RECIO_INCIDENT_QUIET_MINUTES: an untouched, recovered monitor incident resolves itself after it. */
  incidentQuietMs?: number;
  roleMembers: RoleMembers;
  /** RECIO_CLI_USERS: unix user on the bot host → Slack user id (unmapped terminal users only read). */
  cliUsers?: Readonly<Record<string, string>>;
  checks: ChecksConfig;
  /** How long to wait for a busy host+service lock before telling the operator who holds it. */
  lockWaitMs: number;
  /** Past it an approval is void and the run does not proceed on it. */
  approvalTtlMs: number;
  /** RECIO_BREAK_GLASS_AFTER_MINUTES: the wait before a requester may break the glass (null: off). */
  breakGlassAfterMs?: number | null;
  /** RECIO_PITR_MARGIN_SECONDS (default 60). */
  pitrMarginSeconds?: number;
  monitor: Pick<MonitorOptions, 'intervalMs' | 'push' | 'releaseSettleSeconds'>;
  /** The fleet file (drills from Slack run only where it is a sandbox's). */
  fleetPath?: string | undefined;
}

/** RECIO_BREAK_GLASS_AFTER_MINUTES' default: 10 minutes. */
const DEFAULT_BREAK_GLASS_MS = 10 * 60_000;

/** Everything behind the edges, built once in dependency order: the bot, the CLI and the drills run this. */
export interface Core {
  settings: CoreSettings;
  logger: StoreLogger;
  signals: Signals;
  store: Store;
  hosts: Hosts;
  runbooks: Runbooks;
  topology: Topology;
  fleet: FleetView;
  vocabulary: Vocabulary;
  engine: RunEngine;
  desk: IncidentDesk;
  ops: Operations;
  /** What an incident's parent offers (the dump picker, point-in-time restore), from the runbooks. */
  offers: RecoveryOffers;
  close(): Promise<void>;
}

/** The parts a drill works with beside the door (it breaks and watches hosts, and reads the store). */
export type DrillParts = Pick<
  Core,
  'settings' | 'logger' | 'signals' | 'store' | 'hosts' | 'fleet' | 'vocabulary' | 'desk'
>;

export interface AssembleOptions {
  logger: StoreLogger;
  /** Made first by whoever composes, so that parts built later (Slack, metrics) can listen. */
  signals?: Signals;
  /** Members of a Slack user group (usergroups.users.list); without Slack, groups are empty. */
  groupsOf?: GroupLookup;
  /** `/recio drill`, made with the door it acts through. */
  drills?: (ops: Operations, parts: DrillParts) => Drills;
}

export interface ComposeCoreOptions extends AssembleOptions {
  /** Only `recio migrate` opens without applying migrations. */
  migrate?: boolean;
}

export function roleMembersOf(config: Config): RoleMembers {
  return {
    lead_operator: parseMemberList(config.env.RECIO_LEAD_OPERATORS),
    system_architect: parseMemberList(config.env.RECIO_SYSTEM_ARCHITECTS),
    security_officer: parseMemberList(config.env.RECIO_SECURITY_OFFICERS),
  };
}

export function coreSettingsOf(config: Config): CoreSettings {
  const { env } = config;
  return {
    opsChannel: env.RECIO_OPS_CHANNEL,
    roleMembers: roleMembersOf(config),
    cliUsers: env.RECIO_CLI_USERS,
    checks: {
      providers: { kalshi: env.RECIO_KALSHI_HEALTH_URL, coinbase: env.RECIO_COINBASE_HEALTH_URL },
      webUrl: env.RECIO_WEB_URL,
      httpTimeoutMs: env.RECIO_HTTP_TIMEOUT_MS,
    },
    lockWaitMs: 60_000,
    approvalTtlMs: env.RECIO_APPROVAL_TTL_MINUTES * 60_000,
    breakGlassAfterMs:
      env.RECIO_BREAK_GLASS_AFTER_MINUTES === null ? null : Math.round(env.RECIO_BREAK_GLASS_AFTER_MINUTES * 60_000),
    pitrMarginSeconds: env.RECIO_PITR_MARGIN_SECONDS,
    incidentQuietMs: Math.round(env.RECIO_INCIDENT_QUIET_MINUTES * 60_000),
    monitor: {
      intervalMs: env.RECIO_MONITOR_INTERVAL_MS,
      push: env.RECIO_MONITOR_PUSH,
      releaseSettleSeconds: env.RECIO_RELEASE_SETTLE_SECONDS,
    },
    fleetPath: env.RECIO_FLEET,
  };
}

/** config → runbooks → store → hosts, then the rest (assembleCore). */
export async function composeCore(config: Config, options: ComposeCoreOptions): Promise<Core> {
  // Runbooks first: a bad file must stop start-up before anything is opened.
  const runbooksDir = resolve(config.env.RECIO_RUNBOOKS_DIR);
  const runbooks = loadRunbooks(runbooksDir);
  // The dependency graph beside them, refused the same way (a cycle, an unknown program…).
  const topology = loadTopology(runbooksDir, config.env.RECIO_RUNBOOKS_DIR, new Set(runbooks.keys()));
  checkRestartOrder(runbooks, topology, config.env.RECIO_RUNBOOKS_DIR);
  const { logger } = options;
  const store = await openStore({ ...storeOptionsFromConfig(config), logger, migrate: options.migrate ?? true });
  let hosts: Hosts;
  try {
    hosts = hostsFromConfig(config, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    await store.close();
    throw error;
  }
  // The CLI has no Bolt app, but with a bot token it looks group membership up in Slack like the
  // bot does: a terminal user mapped to a Slack id holds the roles that person holds now.
  const groupsOf =
    options.groupsOf ??
    (config.env.SLACK_BOT_TOKEN
      ? createGroupMembers(
          createSlackWebClient({ botToken: config.env.SLACK_BOT_TOKEN, apiUrl: config.env.SLACK_API_URL }),
        )
      : undefined);
  return assembleCore({ store, hosts, runbooks, topology }, coreSettingsOf(config), {
    ...options,
    ...(groupsOf ? { groupsOf } : {}),
  });
}

/** store + hosts + runbooks → engine → access → runs, decisions, incidents → operations. */
export function assembleCore(
  opened: { store: Store; hosts: Hosts; runbooks: Runbooks; topology?: Topology },
  settings: CoreSettings,
  options: AssembleOptions,
): Core {
  const { store, hosts, runbooks } = opened;
  const topology = opened.topology ?? defaultTopology();
  const { logger } = options;
  const signals = options.signals ?? new Signals(logger);
  const fleet: FleetView = { withRole: (role) => hosts.withRole(role).map((h) => h.name) };
  // The grammar knows REC.IO's programs; each host's agent config has the final word.
  const vocabulary: Vocabulary = {
    services: [...RECIO_PROGRAMS],
    hosts: hosts.names(),
    scenarios: [...runbooks.keys()],
  };
  const outbox = () => signals.emit('outbox');
  const engine = new RunEngine(store, {
    store,
    hosts,
    withRole: fleet.withRole,
    checks: settings.checks,
    lockWaitMs: settings.lockWaitMs,
    approvalTtlMs: settings.approvalTtlMs,
    ...(settings.pitrMarginSeconds === undefined ? {} : { pitrMarginSeconds: settings.pitrMarginSeconds }),
    logger,
    onChange: outbox,
    observer: signals.engineObserver(),
  });
  const access = new Access({
    store,
    roleMembers: settings.roleMembers,
    cliUsers: settings.cliUsers ?? {},
    groupsOf: options.groupsOf ?? (async () => []),
  });
  const { opsChannel } = settings;
  const runs = new RunRequests({ store, engine, runbooks, fleet, vocabulary, opsChannel });
  const desk = new IncidentDesk({
    store,
    access,
    runs,
    logger,
    opsChannel,
    topology,
    ...(settings.incidentQuietMs === undefined ? {} : { quietMs: settings.incidentQuietMs }),
    onChange: outbox,
    onResolved: (how, seconds, green) => signals.emit('incidentResolved', how, seconds, green),
  });
  // A checklist that went green on its last, hand-ticked item has nobody else to offer Resolve.
  signals.on('runSettled', (run) => {
    if (run.incidentId === null) return;
    desk
      .offerResolveIfReady(run.incidentId)
      .catch((error: unknown) => logger.warn({ err: error, incidentId: run.incidentId }, 'offering Resolve failed'));
  });
  const decisions = new Decisions({ store, engine, access });
  const afterMs = settings.breakGlassAfterMs === undefined ? DEFAULT_BREAK_GLASS_MS : settings.breakGlassAfterMs;
  const breakGlass = new BreakGlassDoor({ store, engine, access, afterMs, onChange: outbox });
  const breakGlassReviews = new BreakGlassReviews({ store, access, incidents: desk, onChange: outbox });
  const parts: DrillParts = { settings, logger, signals, store, hosts, fleet, vocabulary, desk };
  const makeDrills = options.drills;
  const offers = recoveryOffers(runbooks);
  const ops = new Operations({
    store,
    hosts,
    fleet,
    vocabulary,
    access,
    runs,
    decisions,
    incidents: desk,
    breakGlass,
    breakGlassReviews,
    opsChannel,
    pitrLoaded: offers.offersPitr,
    pitrMarginSeconds: settings.pitrMarginSeconds,
    ...(makeDrills ? { drills: (door: Operations) => makeDrills(door, parts) } : {}),
  });
  return {
    ...parts,
    runbooks,
    topology,
    engine,
    ops,
    offers,
    close: async () => {
      engine.abortAll();
      await hosts.close();
      await store.close();
    },
  };
}

/**
 * The monitor over a core, with the limits the plan implies (§3: prices every few seconds, Kalshi
 * snapshots every minute or two; a nightly dump). The bot runs this one; a drill runs the same.
 */
export function createMonitor(core: DrillParts, options: Partial<MonitorOptions> = {}): Monitor {
  const { settings } = core;
  return new Monitor(
    {
      store: core.store,
      hosts: core.hosts,
      desk: core.desk,
      logger: core.logger,
      probe: {
        hosts: core.hosts,
        withRole: core.fleet.withRole,
        checks: settings.checks,
        services: core.vocabulary.services,
      },
    },
    {
      ...settings.monitor,
      feedMaxAgeSeconds: { ...FEED_MAX_AGE_SECONDS },
      backupMaxAgeSeconds: 26 * 3600,
      ...options,
    },
  );
}

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
  monitor: Monitor | undefined;
  metrics: Metrics;
  port: number;
  /** Stops taking work, lets running steps finish up to the deadline, marks the rest interrupted, closes everything. */
  stop(deadlineMs: number): Promise<{ interrupted: number }>;
}

function countInto(metrics: Metrics, signals: Signals): void {
  signals.on('stepFinished', (step, outcome, state, seconds) => {
    metrics.countStep(state);
    const result = {
      ok: state === 'succeeded',
      timedOut: outcome === 'timeout',
      outcomeUnknown: outcome === 'unknown',
    };
    metrics.observeAgentAction(step.host, step.action, agentOutcomeOf(result), seconds);
  });
  signals.on('runFinished', (state) => metrics.countRun(state));
  signals.on('incidentResolved', (how, seconds, green) => metrics.observeIncidentResolved(how, seconds, green));
}

/** What `npm start` runs: the core, then Slack (publisher, app), the monitor and the schedules. */
export async function startBot(config: Config, options: BotOptions): Promise<Bot> {
  const { logger, slack } = options;
  const signals = new Signals(logger);
  const webClient = createSlackWebClient(slack, logger);
  const withMonitor = options.monitor !== false;
  const core = await composeCore(config, {
    logger,
    signals,
    groupsOf: createGroupMembers(webClient),
    // With the bot's own monitor running, a drill watches with it; without, a drill starts one.
    drills: (ops, parts) =>
      createBotDrills({ ops, parts, logger, ownMonitor: withMonitor ? undefined : () => createMonitor(parts) }),
  });
  const stops: Array<() => Promise<unknown>> = [() => core.close()];
  const stopAll = async () => {
    for (const stop of stops) {
      await stop().catch((error: unknown) => logger.error({ err: error }, 'stopping a part of the bot failed'));
    }
  };
  try {
    const recovered = await core.store.recoverInterruptedSteps({
      fallbackChannel: config.env.RECIO_OPS_CHANNEL ?? null,
    });
    if (recovered.steps.length > 0)
      logger.warn({ steps: recovered.steps.length }, 'steps left running by a previous process are marked interrupted');
    const metrics =
      options.metrics ??
      createMetrics({
        processMetrics: true,
        sources: {
          sshTransports: () =>
            core.hosts
              .names()
              .map((n) => core.hosts.get(n).transport)
              .filter((t): t is SshTransport => t instanceof SshTransport),
          openIncidents: async () => (await core.store.incidents.listUnresolved()).length,
        },
      });
    countInto(metrics, signals);
    const publisher = createPublisher({
      store: core.store,
      client: webClient,
      logger,
      metrics,
      onSent: (message) => signals.emit('sent', message),
      ...core.offers,
    });
    signals.on('outbox', () => publisher.wake());
    const app = createSlackApp({
      slack,
      operations: core.ops,
      store: core.store,
      logger,
      metrics,
      extraRoutes: [metricsRoute(metrics)],
      onOutbox: () => signals.emit('outbox'),
    });
    signals.on('sent', (message) => app.homes.afterSent(message));
    publisher.start();
    stops.unshift(() => publisher.stop());
    const stopExpiry = startApprovalExpiry({
      engine: core.engine,
      logger,
      offerBreakGlass: () => core.ops.offerBreakGlass(),
    });
    stops.unshift(async () => stopExpiry());
    // The audit chain's head, outside the database: at start, hourly, after every dangerous step.
    const stopAnchoring = startAuditAnchoring({
      store: core.store,
      signals,
      logger,
      file: anchorFileFor(config.env.RECIO_DATA_DIR),
    });
    stops.unshift(async () => stopAnchoring());
    const { port } = await app.start();
    stops.unshift(() => app.stop());
    const monitor = withMonitor ? createMonitor(core) : undefined;
    let stopSchedules: () => void = () => undefined;
    let stopResume: () => void = () => undefined;
    if (monitor) {
      await monitor.start();
      stops.unshift(() => monitor.close());
      stopSchedules = startSchedules(
        {
          store: core.store,
          ops: core.ops,
          opsChannel: config.env.RECIO_OPS_CHANNEL,
          logger,
          isLeader: () => monitor.isLeader,
          doctor: () => runDoctor(options.doctorEnv ?? process.env),
          restoreTest: () =>
            nightlyRestoreTest({ hosts: core.hosts, desk: core.desk, checks: core.store.backupChecks, logger }),
          configArchive: (ifChanged) =>
            configArchiveJob({ hosts: core.hosts, checks: core.store.backupChecks, logger }, ifChanged),
          historyArchive: () => historyArchiveJob({ hosts: core.hosts, checks: core.store.backupChecks, logger }),
        },
        {
          backup: config.env.RECIO_BACKUP_CRON,
          doctor: config.env.RECIO_DOCTOR_CRON,
          drill: config.env.RECIO_DRILL_CRON,
        },
      );
      stops.unshift(async () => stopSchedules());
      // Runs left with a runnable step (requeued after a crash, a driver gone) move on under the leader.
      const resume = startRunResume({
        store: core.store,
        engine: core.engine,
        logger,
        isLeader: () => monitor.isLeader,
      });
      stopResume = resume.stop;
      stops.unshift(async () => resume.stop());
    }
    return {
      core,
      app,
      publisher,
      monitor,
      metrics,
      port,
      async stop(deadlineMs) {
        // No new work: Slack deliveries stop, the monitor, the schedules and the expiry sweep stop.
        await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the Slack app failed'));
        stopSchedules();
        stopResume();
        stopExpiry();
        stopAnchoring();
        await monitor?.close();
        const drained = await core.engine.drain(deadlineMs);
        // What the last steps wrote still reaches Slack, briefly.
        const drainedOutbox = publisher.drain().catch((error: unknown) => {
          logger.warn({ err: error }, 'the last messages could not all be sent before stopping');
        });
        await Promise.race([drainedOutbox, new Promise((r) => setTimeout(r, 5_000).unref())]);
        await publisher.stop();
        await core.close();
        return { interrupted: drained.interrupted };
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
