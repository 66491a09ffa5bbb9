import pLimit from 'p-limit';
import type { Config, FleetHost, HostRole } from '../config.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { loadAgentConfig } from '@recio/agent/agent-config';
import { LocalTransport } from './local-transport.js';
import { refusedResult, newRequestId } from './request.js';
import { SshTransport } from './ssh-transport.js';
import type { HostRequest, HostResult, RunOptions, Transport } from './transport.js';

/** A host the bot knows: its fleet entry (or `local`) and how to reach it. */
export interface KnownHost {
  name: string;
  roles: readonly HostRole[];
  transport: Transport;
}

/**
 * Every host the bot can reach, by name and by role. Fan-out runs one action on many hosts with
 * bounded concurrency; each host answers on its own, so a dead one cannot hold up the rest.
 */
export class Hosts {
  private readonly byName: Map<string, KnownHost>;

  constructor(
    hosts: KnownHost[],
    private readonly fanOutConcurrency = 16,
  ) {
    this.byName = new Map(hosts.map((h) => [h.name, h]));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): KnownHost {
    const host = this.byName.get(name);
    if (host === undefined) {
      throw new RecioError(ErrorCode.UnknownHost, `unknown host "${name}" (known: ${this.names().join(', ')})`, {
        host: name,
      });
    }
    return host;
  }

  withRole(role: HostRole): KnownHost[] {
    return [...this.byName.values()].filter((h) => h.roles.includes(role));
  }

  run(name: string, request: HostRequest, options?: RunOptions): Promise<HostResult> {
    const host = this.byName.get(name);
    if (host === undefined) {
      return Promise.resolve(
        refusedResult(
          name,
          request.action,
          newRequestId(options?.traceId),
          ErrorCode.UnknownHost,
          `unknown host "${name}" (known: ${this.names().join(', ')})`,
        ),
      );
    }
    return host.transport.run(request, options);
  }

  /** One result per host, in the order asked, whatever happened to the others. */
  fanOut(names: readonly string[], request: HostRequest, options?: RunOptions): Promise<HostResult[]> {
    const limit = pLimit(this.fanOutConcurrency);
    return Promise.all(names.map((name) => limit(() => this.run(name, request, options))));
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((h) => h.transport.close()));
  }
}

export function sshHost(host: FleetHost, privateKey: string, config: Config): KnownHost {
  return {
    name: host.name,
    roles: host.roles,
    transport: new SshTransport({
      host,
      privateKey,
      connectTimeoutMs: config.env.RECIO_SSH_CONNECT_TIMEOUT_MS,
      commandTimeoutMs: config.env.RECIO_SSH_COMMAND_TIMEOUT_MS,
    }),
  };
}

/** The hosts of the fleet file; without one, the bot's own host as `local` with every role. */
export function hostsFromConfig(config: Config, readKey: (path: string) => string): Hosts {
  if (config.fleet === undefined) {
    const agentConfig = loadAgentConfig(config.env.RECIO_AGENT_CONFIG);
    const local = new LocalTransport({ agentConfig, commandTimeoutMs: config.env.RECIO_SSH_COMMAND_TIMEOUT_MS });
    return new Hosts(
      [{ name: 'local', roles: ['db', 'app', 'web'], transport: local }],
      config.env.RECIO_FANOUT_CONCURRENCY,
    );
  }
  const key = readKey(config.env.RECIO_SSH_KEY ?? '');
  return new Hosts(
    config.fleet.hosts.map((h) => sshHost(h, key, config)),
    config.env.RECIO_FANOUT_CONCURRENCY,
  );
}
