import { existsSync } from 'node:fs';
import type { FleetHost } from '@recio/protocol/fleet';
import { dbUrl, pgCommands } from './sandbox-postgres.js';
import { hostKeyFingerprint } from './sandbox-ssh.js';
import { sandboxPaths, type SandboxPaths } from './sandbox-paths.js';
import { readProviderMode, setProviderMode, type ProviderMode } from './sandbox-services.js';
import {
  PROVIDERS,
  requireState,
  type ProviderName,
  type SandboxPorts,
  type SandboxState,
  type SandboxTuning,
} from './sandbox-state.js';
import { fleetHost, sandboxEnv } from './sandbox-files.js';
import { supervisorctlArgv } from './sandbox-supervisor.js';

/** What `sandboxUp` may be told; everything has a default. */
export interface SandboxOptions {
  /** Default `./.sandbox`. */
  dir: string;
  /** The OS account REC.IO runs as and the agent logs in as (root only; default `recio-sbx`). */
  user?: string;
  /** PostgreSQL's bin dir (default: the newest /usr/lib/postgresql/<major>/bin). */
  pgBinDir?: string;
  /** Timings for tests and drills; applied when the sandbox is made, kept after. */
  tuning?: Partial<SandboxTuning>;
  /** How long `up` waits for every component to answer (default 90 s). */
  timeoutMs?: number;
  /** One line per step, for the CLI. */
  onProgress?: (line: string) => void;
}

/** A provider stand-in and the switch that makes it fail. */
export interface ProviderControl {
  name: ProviderName;
  /** Base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** The URL the bot's provider check probes (the real API's status path). */
  healthUrl: string;
  mode(): ProviderMode;
  setMode(mode: ProviderMode): void;
}

/**
 * A running (or at least made) sandbox: everything a test, a drill or the bot needs to reach it.
 * Cheap to build from the state file; building it starts nothing.
 */
export interface Sandbox {
  dir: string;
  paths: SandboxPaths;
  fleetPath: string;
  envPath: string;
  /** The contents of recio.env: RECIO_FLEET, RECIO_SSH_KEY, RECIO_WEB_URL, provider health URLs… */
  env: Record<string, string>;
  sshKeyPath: string;
  hosts: FleetHost[];
  ports: SandboxPorts;
  user: { name: string; uid: number; gid: number };
  db: {
    /** postgresql://rec_io:…@127.0.0.1:<port>/rec_io */
    url: string;
    /** psql against the REC.IO database; the password is in `env`, never in argv. */
    psql: string[];
    pgDump: string[];
    env: Record<string, string>;
  };
  /** The web UI's health page (what RECIO_WEB_URL points at). */
  webUrl: string;
  providers: Record<ProviderName, ProviderControl>;
  supervisorctl: string[];
  repoDir: string;
  backupsDir: string;
  agentConfigPath: string;
  tuning: SandboxTuning;
}

export function sandboxFromState(paths: SandboxPaths, state: SandboxState): Sandbox {
  const pgc = pgCommands(paths, state);
  const env = sandboxEnv(paths, state);
  const provider = (name: ProviderName): ProviderControl => ({
    name,
    url: `http://127.0.0.1:${state.ports[name]}`,
    healthUrl: name === 'kalshi' ? env.RECIO_KALSHI_HEALTH_URL! : env.RECIO_COINBASE_HEALTH_URL!,
    mode: () => readProviderMode(paths, name),
    setMode: (mode) => setProviderMode(paths, name, mode),
  });
  const hosts = existsSync(`${paths.hostKey}.pub`) ? [fleetHost(state, hostKeyFingerprint(paths))] : [];
  return {
    dir: paths.dir,
    paths,
    fleetPath: paths.fleet,
    envPath: paths.env,
    env,
    sshKeyPath: paths.botKey,
    hosts,
    ports: state.ports,
    user: { name: state.user.name, uid: state.user.uid, gid: state.user.gid },
    db: { url: dbUrl(state), psql: pgc.psql, pgDump: pgc.pgDump, env: pgc.env },
    webUrl: env.RECIO_WEB_URL!,
    providers: Object.fromEntries(PROVIDERS.map((name) => [name, provider(name)])) as Record<
      ProviderName,
      ProviderControl
    >,
    supervisorctl: supervisorctlArgv(paths),
    repoDir: paths.repo,
    backupsDir: paths.backupsDir,
    agentConfigPath: paths.agentConfig,
    tuning: state.tuning,
  };
}

/** The sandbox at `dir`, as its last `up` left it (throws `not_found` when there is none). */
export function openSandbox(dir: string): Sandbox {
  const paths = sandboxPaths(dir);
  return sandboxFromState(paths, requireState(paths));
}
