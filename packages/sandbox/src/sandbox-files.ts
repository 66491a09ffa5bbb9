import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { FleetHost } from '@recio/protocol/fleet';
import { SANDBOX_HOST } from './sandbox-agent.js';
import type { SandboxPaths } from './sandbox-paths.js';
import type { SandboxState } from './sandbox-state.js';
import type { UnixAccount } from './sandbox-user.js';
import { giveTo, writeIfChanged } from './write-if-changed.js';

/**
 * REC.IO's host-specific files in its checkout (untracked, as on a real host, and what the plan's
 * §2.2 backs up): `.env` with the database credentials, `config.json` with the provider URLs and
 * the sandbox's tuning, `MASTER_PORT_MANIFEST.json` with the ports.
 */
export function ensureRepoConfig(paths: SandboxPaths, state: SandboxState, user: UnixAccount): void {
  const env = [
    '# REC.IO v2 — written by `recio sandbox up`',
    'POSTGRES_HOST=127.0.0.1',
    `POSTGRES_PORT=${state.ports.postgres}`,
    `POSTGRES_DB=${state.db.database}`,
    `POSTGRES_USER=${state.db.user}`,
    `POSTGRES_PASSWORD=${state.db.password}`,
    '',
  ].join('\n');
  const config = {
    providers: {
      kalshi: `http://127.0.0.1:${state.ports.kalshi}`,
      coinbase: `http://127.0.0.1:${state.ports.coinbase}`,
    },
    tuning: state.tuning,
  };
  const files: Array<[string, string, number]> = [
    ['.env', env, 0o600],
    ['config.json', `${JSON.stringify(config, null, 2)}\n`, 0o644],
    [
      'MASTER_PORT_MANIFEST.json',
      `${JSON.stringify(
        {
          web: state.ports.web,
          postgres: state.ports.postgres,
          kalshi: state.ports.kalshi,
          coinbase: state.ports.coinbase,
        },
        null,
        2,
      )}\n`,
      0o644,
    ],
  ];
  for (const [name, text, mode] of files) {
    const path = join(paths.repo, name);
    if (writeIfChanged(path, text, mode)) giveTo(path, user);
  }
}

export function fleetHost(state: SandboxState, hostKey: string): FleetHost {
  return {
    name: SANDBOX_HOST,
    address: '127.0.0.1',
    port: state.ports.ssh,
    user: state.user.name,
    hostKey,
    roles: ['db', 'app', 'web'],
  };
}

/** What `set -a; . recio.env` gives the bot: the fleet, its key, the URLs its checks probe. */
export function sandboxEnv(paths: SandboxPaths, state: SandboxState): Record<string, string> {
  return {
    RECIO_FLEET: paths.fleet,
    RECIO_SSH_KEY: paths.botKey,
    RECIO_WEB_URL: `http://127.0.0.1:${state.ports.web}/health`,
    RECIO_KALSHI_HEALTH_URL: `http://127.0.0.1:${state.ports.kalshi}/trade-api/v2/exchange/status`,
    RECIO_COINBASE_HEALTH_URL: `http://127.0.0.1:${state.ports.coinbase}/time`,
    // Used only without a fleet file (the bot's `local` host); kept so both paths reach the sandbox.
    RECIO_AGENT_CONFIG: paths.agentConfig,
    RECIO_RUNBOOKS_DIR: resolve(import.meta.dirname, '../../../commands'),
  };
}

export function ensureFleetFiles(paths: SandboxPaths, state: SandboxState, hostKey: string): void {
  const header = '# The sandbox REC.IO v2 host, written by `recio sandbox up`.\n';
  const fleet = `${header}${stringify({ hosts: [fleetHost(state, hostKey)] })}`;
  writeIfChanged(paths.fleet, fleet, 0o644);
  const env = sandboxEnv(paths, state);
  const lines = [
    `# recio-bot against the sandbox at ${paths.dir}: set -a; . ${paths.env}; set +a`,
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    '',
  ];
  writeIfChanged(paths.env, lines.join('\n'), 0o644);
}
