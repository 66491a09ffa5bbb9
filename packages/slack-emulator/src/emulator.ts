import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from './clock.js';
import { Deliverer, type Transport } from './deliveries/deliverer.js';
import { SocketModeHub, type SocketModeOptions } from './deliveries/socket-mode.js';
import { UserActions } from './deliveries/user-actions.js';
import { createEmulatorServer, type ExtraRoutes } from './http/router.js';
import { createIdSource } from './ids.js';
import { ResponseUrls } from './interactive/response-urls.js';
import { Triggers } from './interactive/triggers.js';
import { Timing } from './limits.js';
import { PERMISSIVE_MANIFEST, type AppManifest } from './manifest.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { EmulatorState } from './state.js';
import { authUserMethods } from './web-api/auth-users.js';
import { chatMethods } from './web-api/chat.js';
import type { EmulatorCore, MethodTable } from './web-api/context.js';
import { conversationMethods } from './web-api/conversations.js';
import { fileMethods } from './web-api/files.js';
import { reactionMethods } from './web-api/reactions.js';
import { usergroupMethods } from './web-api/usergroups.js';
import { viewMethods } from './web-api/views.js';
import { Workspace, type WorkspaceSeed } from './workspace.js';

/** Everything is optional: the defaults are Slack's own figures and a small REC.IO workspace. */
export interface SlackEmulatorOptions {
  /** Loopback only by default; nothing here should be reachable from other machines. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  botToken?: string;
  appToken?: string;
  signingSecret?: string;
  workspace?: WorkspaceSeed;
  /** Clock for expiries and rate limits (trigger ids, response_url, buckets). */
  clock?: Clock;
  rateLimits?: RateLimitOptions;
  /** How long Slack waits for an HTTP ack (default 3000 ms). */
  ackTimeoutMs?: number;
  triggerTtlMs?: number;
  responseUrl?: { maxUses?: number; ttlMs?: number };
  socketMode?: Partial<SocketModeOptions>;
  /** Retry failed Events API deliveries over HTTP: `true` for Slack's delays, or your own. */
  retryEvents?: boolean | { delaysMs: readonly number[] };
  /**
   * The app's manifest (`readManifest('manifest.yml')`): its bot scopes (a call without the scope
   * answers missing_scope), its events and slash commands. Default: PERMISSIVE_MANIFEST.
   */
  manifest?: AppManifest;
  /**
   * How long a Web API method takes to answer, e.g. `{ 'usergroups.users.list': 5000 }`. With a
   * manual clock the clock moves on by that much (no waiting); with the system clock the answer waits.
   */
  methodLatencyMs?: Record<string, number>;
  /** Event types the app subscribes to besides the manifest's (e.g. ["message"]). */
  eventSubscriptions?: string[];
  /** The bot's Request URL (can be set later with setRequestUrl). */
  requestUrl?: string;
  /** More routes on the same port, tried first (the local console's pages). */
  extraRoutes?: ExtraRoutes;
}

export interface SlackEmulator {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  /** Web API base for `new WebClient(token, { slackApiUrl })` — ends with "/api/". */
  readonly apiUrl: string;
  readonly tokens: { readonly bot: string; readonly app: string };
  readonly signingSecret: string;
  readonly workspace: Workspace;
  /** Everything recorded, with its queries (messagesIn, thread, ephemeralsFor, files, calls…). */
  readonly state: EmulatorState;
  /** People acting in Slack: slash commands, clicks, modal submissions, messages, events. */
  readonly deliver: UserActions & { resend: Deliverer['resend'] };
  readonly socketMode: Pick<SocketModeHub, 'waitForConnection' | 'sendDisconnect' | 'connectionCount'>;
  /** Whether a delivery could reach the app now (connected over Socket Mode, or a Request URL set). */
  reachesApp(): boolean;
  setRequestUrl(url: string): void;
  /** HTTP mode as the manifest sets it: each kind to its own Request URL, on `origin` (see Deliverer). */
  useManifestUrls(origin: string): void;
  /**
   * Serve more routes on the emulator's port after it started (the console mounts itself this way,
   * since it needs the started emulator). Tried after `options.extraRoutes`, before Slack's routes.
   * Returns the function that unmounts them.
   */
  addRoutes(routes: ExtraRoutes): () => void;
  close(): Promise<void>;
}

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const clock = options.clock ?? systemClock;
  const ids = createIdSource(clock);
  const tokens = {
    bot: options.botToken ?? 'xoxb-0000000001-0000000001-emulatorBotToken00000',
    app: options.appToken ?? 'xapp-1-A0RECIOBOT1-0000000001-emulatorAppToken0000',
  };
  const signingSecret = options.signingSecret ?? 'emulator-signing-secret-0123456789ab';
  let baseUrl = '';
  const core: EmulatorCore = {
    workspace: new Workspace(options.workspace, Math.floor(clock.now() / 1000)),
    state: new EmulatorState(),
    clock,
    ids,
    triggers: new Triggers(clock, ids, options.triggerTtlMs ?? Timing.triggerTtlMs),
    responseUrls: new ResponseUrls(clock, ids, {
      maxUses: options.responseUrl?.maxUses ?? Timing.responseUrlMaxUses,
      ttlMs: options.responseUrl?.ttlMs ?? Timing.responseUrlTtlMs,
    }),
    tokens,
    manifest: options.manifest ?? PERMISSIVE_MANIFEST,
    latencyMs: options.methodLatencyMs ?? {},
    baseUrl: () => baseUrl,
  };
  const socket = new SocketModeHub(core, {
    ackTimeoutMs: options.socketMode?.ackTimeoutMs ?? Timing.ackTimeoutMs,
    maxRetries: options.socketMode?.maxRetries ?? 3,
    pingIntervalMs: options.socketMode?.pingIntervalMs ?? 10_000,
  });
  const methods: MethodTable = {
    ...authUserMethods(() => socket.issueUrl()),
    ...chatMethods,
    ...conversationMethods,
    ...reactionMethods,
    ...viewMethods,
    ...fileMethods,
    ...usergroupMethods,
  };
  const retryEvents =
    options.retryEvents === true ? { delaysMs: Timing.eventRetryDelaysMs } : options.retryEvents || false;
  const deliverer = new Deliverer(core, socket, {
    signingSecret,
    ackTimeoutMs: options.ackTimeoutMs ?? Timing.ackTimeoutMs,
    retryEvents,
    ...(options.requestUrl ? { requestUrl: options.requestUrl } : {}),
  });
  const subscriptions = new Set([...core.manifest.botEvents, ...(options.eventSubscriptions ?? [])]);
  const actions = new UserActions(core, deliverer, subscriptions);
  const mounted: ExtraRoutes[] = options.extraRoutes ? [options.extraRoutes] : [];
  const extraRoutes: ExtraRoutes = async (req, res) => {
    for (const routes of [...mounted]) if (await routes(req, res)) return true;
    return false;
  };
  const server = createEmulatorServer(core, methods, new RateLimiter(clock, options.rateLimits), socket, extraRoutes);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  baseUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

  const deliver = Object.assign(actions, {
    resend: (id: string, opts?: Parameters<Deliverer['resend']>[1]) => deliverer.resend(id, opts),
  });
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    tokens,
    signingSecret,
    workspace: core.workspace,
    state: core.state,
    deliver,
    socketMode: {
      waitForConnection: () => socket.waitForConnection(),
      sendDisconnect: (reason) => socket.sendDisconnect(reason),
      get connectionCount() {
        return socket.connectionCount;
      },
    },
    reachesApp: () => deliverer.reachesApp(),
    setRequestUrl: (url) => deliverer.setRequestUrl(url),
    useManifestUrls: (origin) => deliverer.useManifestUrls(origin),
    addRoutes(routes) {
      mounted.push(routes);
      return () => {
        const at = mounted.indexOf(routes);
        if (at >= 0) mounted.splice(at, 1);
      };
    },
    async close() {
      await socket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type { Transport };
