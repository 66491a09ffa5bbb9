import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { createLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Operations } from '../operations/operations.js';
import type { Store } from '../store/index.js';
import type { SlackContext } from './context.js';
import { healthRoute } from './health.js';
import { createHomeTabs, type HomeTabs, type HomeTabsOptions } from './home/home-tabs.js';
import { registerListeners } from './listeners/index.js';
import { createGuardedReceiver, portOf, startRoutesServer, type ExtraRoute } from './receiver.js';
import { slackLoggerFrom } from './slack-logger.js';
import { surfaceError } from './surface-errors.js';
import { webClientOptions, type SlackSettings } from './web-client.js';
import { createWorkQueue } from './work-queue.js';
import { createAckGate } from './ack-gate.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

export interface SlackAppDeps {
  slack: SlackSettings;
  /** The one door into the core. */
  operations: Operations;
  /** Delivery keys (exactly once per Slack delivery) and the store's health for GET /healthz. */
  store: Pick<Store, 'deliveries' | 'ping'>;
  logger?: Logger;
  metrics?: Metrics;
  /** Served on the same port, e.g. `metricsRoute(metrics)` for GET /metrics. */
  extraRoutes?: ExtraRoute[];
  /** Wake the publisher: called after the core was asked to change something with a message. */
  onOutbox?: () => void;
  /** How many commands/mentions do their post-ack work at once (default 8). */
  workConcurrency?: number;
  /** The App Home's limits and timings (see HomeTabsOptions). */
  home?: HomeTabsOptions;
}

export interface SlackApp {
  readonly mode: 'http' | 'socket';
  /** Bolt's Web API client (interactive answers, modals). */
  readonly client: WebClient;
  /** Everyone's App Home; wire the publisher's `onSent` to `homes.afterSent` so incident changes refresh it. */
  readonly homes: HomeTabs;
  /** Listens (HTTP) or connects (Socket Mode); resolves with the HTTP port serving /healthz. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/**
 * The Slack edge: a Bolt App over signed HTTP (`POST /slack/events`, `GET /healthz`, extra routes)
 * or, when an app token is set, Socket Mode. Listeners are registered by kind; every handler acks
 * first, claims its delivery once, and hands a typed intent to the core.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const logger = deps.logger ?? createLogger({ level: 'warn' });
  const slackLogger = slackLoggerFrom(logger, 'bolt');
  const { slack, operations } = deps;
  const routes = [healthRoute(deps.store), ...(deps.extraRoutes ?? [])];
  const socket = slack.appToken !== undefined && slack.appToken !== '';
  if (!socket && !slack.signingSecret)
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      'Slack over HTTP needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  const gate = createAckGate();
  const receiver = socket
    ? undefined
    : createGuardedReceiver({
        signingSecret: slack.signingSecret!,
        logger: slackLogger,
        routes,
        gate,
        onRefused: () => deps.metrics?.countDelivery('command', 'invalid'),
      });
  const app = new App({
    token: slack.botToken,
    logger: slackLogger,
    logLevel: LogLevel.WARN,
    clientOptions: webClientOptions(slack, logger),
    ...(socket ? { socketMode: true, appToken: slack.appToken } : { receiver }),
  });
  const onOutbox = deps.onOutbox ?? (() => undefined);
  const homes = createHomeTabs({ client: app.client, ops: operations, logger }, deps.home);
  const ctx: SlackContext = {
    ops: operations,
    deliveries: deps.store.deliveries,
    logger,
    metrics: deps.metrics,
    onOutbox,
    work: createWorkQueue({ concurrency: deps.workConcurrency ?? 8, logger, ...(socket ? {} : { gate }) }),
    homes,
  };
  registerListeners(app, ctx);
  // Errors that escape a handler (or Bolt's own middleware): logged with a reference. Handlers
  // have already told the person; this is the net under them.
  app.error(async (error) => surfaceError(error, undefined, logger));

  let routesServer: Server | undefined;
  let httpServer: Server | undefined;
  return {
    mode: socket ? 'socket' : 'http',
    client: app.client,
    homes,
    async start() {
      if (socket) {
        routesServer = await startRoutesServer(routes, slack.port, slack.host);
        await app.start();
        return { port: portOf(routesServer) };
      }
      httpServer = (await app.start({ port: slack.port, ...(slack.host ? { host: slack.host } : {}) })) as Server;
      return { port: portOf(httpServer) };
    },
    async stop() {
      // Let acked work finish (bounded: a hung host must not hold the shutdown).
      await Promise.race([ctx.work.idle(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await homes.stop();
      // Slack (and the emulator) keep connections alive: without this, close() waits for them.
      httpServer?.closeAllConnections();
      await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping Bolt failed'));
      if (routesServer) {
        routesServer.closeAllConnections();
        await new Promise<void>((resolve) => routesServer!.close(() => resolve()));
        routesServer = undefined;
      }
    },
  };
}
