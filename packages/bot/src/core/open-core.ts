import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMemberList, type RoleMembers } from '../access/roles.js';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import type { Config } from '../config.js';
import { hostsFromConfig, type Hosts } from '../hosts/fleet-hosts.js';
import type { Vocabulary } from '../intents/intent.js';
import { Operations } from '../operations/operations.js';
import { RunEngine, type EngineObserver } from '../runbooks/engine.js';
import { loadRunbooks, type Runbooks } from '../runbooks/loader.js';
import type { FleetView } from '../runbooks/plan.js';
import { openStore, storeOptionsFromConfig, type Store, type StoreLogger } from '../store/index.js';

/** Everything behind the edges, wired once: store, hosts, runbooks, engine, operations. */
export interface Core {
  config: Config;
  store: Store;
  hosts: Hosts;
  runbooks: Runbooks;
  fleet: FleetView;
  engine: RunEngine;
  ops: Operations;
  /** The publisher (or anyone) asks to be told when the engine wrote outbox rows. */
  onChange(listener: () => void): void;
  close(): Promise<void>;
}

export interface OpenCoreOptions {
  logger?: StoreLogger;
  /** Members of a Slack user group (usergroups.users.list); without Slack, groups are empty. */
  groupsOf?: (groupId: string) => Promise<readonly string[]>;
  /** Only `recio migrate` opens without applying migrations. */
  migrate?: boolean;
  observer?: EngineObserver;
}

export function roleMembersOf(config: Config): RoleMembers {
  return {
    lead_operator: parseMemberList(config.env.RECIO_LEAD_OPERATORS),
    system_architect: parseMemberList(config.env.RECIO_SYSTEM_ARCHITECTS),
    security_officer: parseMemberList(config.env.RECIO_SECURITY_OFFICERS),
  };
}

/** The services the grammar knows: the REC.IO programs (agent configs on the hosts have the final word). */
export function vocabularyOf(hosts: Hosts, runbooks: Runbooks): Vocabulary {
  return { services: [...RECIO_PROGRAMS], hosts: hosts.names(), scenarios: [...runbooks.keys()] };
}

export async function openCore(config: Config, options: OpenCoreOptions = {}): Promise<Core> {
  // Runbooks first: a bad file must stop start-up before anything is opened.
  const runbooks = loadRunbooks(resolve(config.env.RECIO_RUNBOOKS_DIR));
  const store = await openStore({
    ...storeOptionsFromConfig(config),
    ...(options.logger ? { logger: options.logger } : {}),
    migrate: options.migrate ?? true,
  });
  let hosts: Hosts;
  try {
    hosts = hostsFromConfig(config, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    await store.close();
    throw error;
  }
  const listeners = new Set<() => void>();
  const fleet: FleetView = { withRole: (role) => hosts.withRole(role).map((h) => h.name) };
  const engine = new RunEngine(store, {
    store,
    hosts,
    withRole: fleet.withRole,
    checks: {
      providers: { kalshi: config.env.RECIO_KALSHI_HEALTH_URL, coinbase: config.env.RECIO_COINBASE_HEALTH_URL },
      webUrl: config.env.RECIO_WEB_URL,
      httpTimeoutMs: config.env.RECIO_HTTP_TIMEOUT_MS,
    },
    lockWaitMs: 60_000,
    approvalTtlMs: config.env.RECIO_APPROVAL_TTL_MINUTES * 60_000,
    onChange: () => {
      for (const listener of listeners) listener();
    },
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const ops = new Operations({
    store,
    hosts,
    engine,
    runbooks,
    fleet,
    vocabulary: vocabularyOf(hosts, runbooks),
    roleMembers: roleMembersOf(config),
    groupsOf: options.groupsOf ?? (async () => []),
    opsChannel: config.env.RECIO_OPS_CHANNEL,
  });
  return {
    config,
    store,
    hosts,
    runbooks,
    fleet,
    engine,
    ops,
    onChange: (listener) => void listeners.add(listener),
    close: async () => {
      engine.abortAll();
      await hosts.close();
      await store.close();
    },
  };
}
