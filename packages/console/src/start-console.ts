import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlackEmulator } from '@recio/slack-emulator/index';
import { ConsoleActions } from './actions.js';
import { EventHub } from './events.js';
import { sendJson } from './http-io.js';
import { assertLoopbackHost } from './loopback.js';
import { consoleRoutes } from './routes.js';
import { defaultConsoleSeed, type ConsoleSeed } from './seed.js';
import type { ConsoleModeInfo, PracticeAnswer } from './mode.js';
import { loadAssets } from './static-assets.js';

export interface ConsoleOptions {
  /** The running Slack emulation the bot talks to; the console shows and drives its workspace. */
  emulator: SlackEmulator;
  /**
   * Without a port, the console is served on the emulator's own port (one URL for everything).
   * With one (0 = any free port), it gets its own server.
   */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. Anything else throws. */
  host?: string;
  /** Shown in the page's banner, e.g. "Local console — no Slack workspace; store: embedded; hosts: local". */
  mode: ConsoleModeInfo;
  /** "Start a practice REC.IO" on the page; without it the page offers none. */
  practice?: () => Promise<PracticeAnswer>;
  /** Roles shown in the user switcher and the ops channel (the seed's first channel). */
  seed?: ConsoleSeed;
  /** Slash commands the app has (manifest.yml); Slack refuses any other. */
  commands?: readonly string[];
}

export interface RunningConsole {
  /** The page, e.g. http://127.0.0.1:3000/ */
  readonly url: string;
  /** Changes what the banner says; open pages redraw. */
  setMode(mode: ConsoleModeInfo): void;
  close(): Promise<void>;
}

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { emulator } = options;
  const seed = options.seed ?? defaultConsoleSeed;
  const host = options.host ?? '127.0.0.1';
  assertLoopbackHost(host);
  let port = 0;
  const events = new EventHub(emulator.state);
  const commands = options.commands ?? ['/recio'];
  const actions = new ConsoleActions(emulator, commands);
  const mode: ConsoleModeInfo = { ...options.mode };
  const setMode = (next: ConsoleModeInfo) => {
    for (const key of Object.keys(mode) as Array<keyof ConsoleModeInfo>) delete mode[key];
    Object.assign(mode, next);
    events.announce({ type: 'mode' });
  };
  const routes = consoleRoutes({
    ...(options.practice ? { practice: options.practice } : {}),
    emulator,
    actions,
    events,
    assets: loadAssets(),
    port: () => port,
    snapshot: {
      emulator,
      mode,
      opsChannel: seed.channels[0]?.id,
      roles: new Map(seed.people.filter((p) => p.role).map((p) => [p.id, p.role as string])),
      commands,
    },
  });

  if (options.port === undefined) {
    const base = new URL(emulator.url);
    assertLoopbackHost(base.hostname);
    port = Number(base.port);
    const unmount = emulator.addRoutes(routes);
    return {
      url: `${emulator.url}/`,
      setMode,
      async close() {
        unmount();
        events.close();
      },
    };
  }

  const server: Server = createServer((req, res) => {
    routes(req, res)
      .then((handled) => handled || sendJson(res, 404, { ok: false, error: 'not_found' }))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    setMode,
    async close() {
      events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
