import { NodeSSH } from 'node-ssh';
import type { FleetHost } from '../config.js';
import { ErrorCode, RecioError, toRecioError } from '@recio/protocol/errors';
import type { ActionName } from '@recio/protocol/actions';
import { PROTOCOL_VERSION, SESSION_ACTION } from '@recio/protocol/messages';
import { beforeDeadline } from '../util/deadline.js';
import { AgentSession } from './agent-session.js';
import { pinHostKey } from '@recio/protocol/host-key';
import { checkParams, newRequestId, refusedResult } from './request.js';
import type { HostRequest, HostResult, RunOptions, Transport } from './transport.js';

export interface SshTransportOptions {
  host: FleetHost;
  /** The bot's private key (PEM/OpenSSH text). */
  privateKey: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveIntervalMs?: number;
  maxOutputBytes?: number;
}

/** The exec request that opens a session; the forced command reads it from SSH_ORIGINAL_COMMAND. */
const SESSION_COMMAND = JSON.stringify({ v: PROTOCOL_VERSION, id: 'session', action: SESSION_ACTION, params: {} });

// The agent must give up a little before the bot does, so its answer (timed out) still arrives.
const AGENT_DEADLINE_MARGIN_MS = 1_000;

/** Counters a metrics endpoint can read. */
export interface SshTransportStats {
  connects: number;
  reconnects: number;
  connected: boolean;
}

/**
 * One pooled SSH connection per host carrying one agent session, reused by every request; opened
 * on first use and again after a drop. The host key is pinned: a different key is refused before
 * authentication, let alone a command.
 */
export class SshTransport implements Transport {
  readonly host: string;
  private ssh: NodeSSH | undefined;
  private session: AgentSession | undefined;
  private opening: Promise<AgentSession> | undefined;
  private closed = false;
  private readonly counters = { connects: 0, reconnects: 0 };

  constructor(private readonly options: SshTransportOptions) {
    this.host = options.host.name;
  }

  stats(): SshTransportStats {
    return { ...this.counters, connected: this.session?.isOpen ?? false };
  }

  async run<A extends ActionName>(request: HostRequest<A>, options: RunOptions = {}): Promise<HostResult> {
    const requestId = newRequestId(options.traceId);
    const checked = checkParams(this.host, request, requestId);
    if ('ok' in checked) return checked;
    const started = performance.now();
    const deadline = Date.now() + (options.deadlineMs ?? this.options.commandTimeoutMs);
    const failure = (error: unknown, outcomeUnknown: boolean, timedOut = false): HostResult => {
      const known = toRecioError(error, { host: this.host });
      return {
        ...refusedResult(this.host, request.action, requestId, known.code, known.message),
        exitCode: timedOut ? 124 : 255,
        durationMs: Math.round(performance.now() - started),
        outcomeUnknown,
        ...(timedOut ? { timedOut } : {}),
      };
    };

    let session: AgentSession;
    try {
      const opened = await beforeDeadline(this.openSession(deadline), deadline, options.signal);
      if (opened.timedOut) {
        return failure(
          new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: no agent session within the deadline`),
          false,
          true,
        );
      }
      session = opened.value;
    } catch (error) {
      return failure(error, false);
    }

    const remaining = deadline - Date.now();
    const reply = session.request(
      {
        v: PROTOCOL_VERSION,
        id: requestId,
        action: request.action,
        params: checked.params,
        timeoutMs: Math.max(1, remaining - AGENT_DEADLINE_MARGIN_MS),
      },
      this.options.maxOutputBytes ?? 1024 * 1024,
      options.onChunk,
    );
    try {
      const answered = await beforeDeadline(reply, deadline, options.signal);
      if (answered.timedOut) {
        reply.catch(() => undefined);
        session.cancel(requestId);
        const waited = Math.round((deadline - started) / 1000);
        const message = `${request.action} on ${this.host}: no result within ${waited}s — outcome unknown`;
        return failure(new RecioError(ErrorCode.StepTimeout, message), true, true);
      }
      // An action the agent had to kill at its deadline may have half happened.
      return {
        host: this.host,
        action: request.action,
        requestId,
        outcomeUnknown: answered.value.timedOut === true,
        ...answered.value,
      };
    } catch (error) {
      // The connection went away after the request left: it may or may not have run.
      return failure(error, true);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session?.close(new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: transport closed`));
    this.ssh?.dispose();
    this.ssh = undefined;
    this.session = undefined;
  }

  private describe(): string {
    const { name, address, port, user } = this.options.host;
    return `${name} (${user}@${address}:${port})`;
  }

  private openSession(deadline: number): Promise<AgentSession> {
    if (this.closed)
      return Promise.reject(new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: transport closed`));
    if (this.session?.isOpen) return Promise.resolve(this.session);
    this.opening ??= this.connect(deadline).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async connect(deadline: number): Promise<AgentSession> {
    const { host } = this.options;
    this.ssh?.dispose();
    const ssh = new NodeSSH();
    this.ssh = ssh;
    const pin = pinHostKey(host.hostKey);
    try {
      await ssh.connect({
        host: host.address,
        port: host.port,
        username: host.user,
        privateKey: this.options.privateKey,
        readyTimeout: Math.max(100, Math.min(this.options.connectTimeoutMs, deadline - Date.now())),
        keepaliveInterval: this.options.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 3,
        hostVerifier: pin.verify,
      });
    } catch (error) {
      ssh.dispose();
      const seen = pin.seen();
      if (seen !== undefined && seen !== host.hostKey) {
        throw new RecioError(
          ErrorCode.HostKeyMismatch,
          `host key mismatch for ${this.describe()}: it presented ${seen}, ` +
            `the fleet file pins ${host.hostKey}; refusing to connect`,
          { host: host.name },
        );
      }
      throw new RecioError(
        ErrorCode.HostUnreachable,
        `cannot reach ${this.describe()}: ${(error as Error).message}`,
        { host: host.name },
        { cause: error },
      );
    }
    this.counters.connects += 1;
    if (this.counters.connects > 1) this.counters.reconnects += 1;
    const connection = ssh.connection;
    if (connection === null) throw new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: connection lost`);
    const lost = (why: string) => () => {
      this.session?.close(new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: ${why}`, { host: host.name }));
    };
    // After 'ready' nobody listens for 'error' on the ssh2 client; without this a reset kills the bot.
    connection.on('error', (error: Error) => lost(`connection error: ${error.message}`)());
    connection.on('close', lost('connection closed'));

    const session = await new Promise<AgentSession>((resolve, reject) => {
      connection.exec(SESSION_COMMAND, (error, channel) => {
        if (error) {
          reject(
            new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: cannot open a channel: ${error.message}`, {
              host: host.name,
            }),
          );
          return;
        }
        const agent = new AgentSession(host.name, (text) => channel.write(text));
        channel.setEncoding('utf8');
        channel.stderr.setEncoding('utf8');
        channel.on('data', (data: string) => agent.feedStdout(data));
        channel.stderr.on('data', (data: string) => agent.feedStderr(data));
        channel.on('close', () =>
          agent.close(
            new RecioError(ErrorCode.HostUnreachable, `${this.describe()}: agent session ended`, { host: host.name }),
          ),
        );
        resolve(agent);
      });
    });
    this.session = session;
    try {
      await session.hello;
    } catch (error) {
      ssh.dispose();
      throw error;
    }
    return session;
  }
}
