import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { loadConfig } from '../config.js';
import { composeCore, type Core, createMonitor } from '../compose.js';
import type { MonitorOptions } from '../monitor/monitor.js';
import type { StoreLogger } from '../store/index.js';
import type { DrillContext, DrillTarget } from './drill-types.js';
import { fleetTarget } from './fleet-target.js';
import { loadSandboxDrills } from './sandbox-drills.js';

export interface OpenDrillOptions {
  /** The environment (the CLI's process.env): the store, the ops channel, roles, timings. */
  env: Record<string, string | undefined>;
  /** Drill the sandbox here: its fleet, key and URLs are laid over `env`. */
  sandboxDir?: string;
  /** Or a staging fleet file (RECIO_SSH_KEY from `env`). */
  fleetPath?: string;
  logger: StoreLogger;
  /** The monitor's settings; default the bot's own (its interval, feeds stale after 60/120 s). */
  monitor?: Partial<MonitorOptions>;
}

export interface OpenedDrill {
  ctx: DrillContext;
  target: DrillTarget;
  core: Core;
  close(): Promise<void>;
}

/**
 * A drill from a terminal (or the bench): config → core → incident desk, and a monitor of its own
 * for the drill's length — it stands by if a running bot leads, which then detects the fault.
 */
export async function openDrillContext(options: OpenDrillOptions): Promise<OpenedDrill> {
  let env = options.env;
  let target: DrillTarget;
  if (options.sandboxDir !== undefined) {
    const sandbox = await loadSandboxDrills();
    if (sandbox === undefined)
      throw new RecioError(ErrorCode.ConfigInvalid, 'no sandbox package here: drill a staging fleet with --fleet');
    // A runbooks dir set on purpose (shortened windows) wins over the sandbox's default.
    env = {
      ...env,
      ...sandbox.botEnvOf(options.sandboxDir),
      ...(env.RECIO_RUNBOOKS_DIR ? { RECIO_RUNBOOKS_DIR: env.RECIO_RUNBOOKS_DIR } : {}),
    };
    target = sandbox.sandboxTarget(options.sandboxDir);
  } else if (options.fleetPath !== undefined) {
    env = { ...env, RECIO_FLEET: options.fleetPath };
    target = fleetTarget(options.fleetPath);
  } else {
    throw new RecioError(ErrorCode.InvalidParams, 'a drill needs a sandbox dir or a fleet file');
  }
  const config = loadConfig(env);
  const core = await composeCore(config, { logger: options.logger });
  const ctx: DrillContext = {
    store: core.store,
    ops: core.ops,
    desk: core.desk,
    fleet: core.fleet,
    hosts: core.hosts,
    channel: config.env.RECIO_OPS_CHANNEL,
    ensureMonitor: async () => {
      const monitor = createMonitor(core, options.monitor);
      await monitor.start();
      // One round before the break: the release watch must know what was checked out before it.
      await monitor.probeOnce();
      return () => monitor.close();
    },
  };
  return { ctx, target, core, close: () => core.close() };
}
