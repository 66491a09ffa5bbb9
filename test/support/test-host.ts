import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import type { FleetHost } from '@recio/bot/config';
import {
  generateKeyPair,
  forcedCommandLine,
  opensshClientArgs,
  startSshd,
  type Sshd,
  type SshKeyPair,
} from './sshd.js';
import { startSupervisord, type Supervisord } from './supervisord.js';
import { ensureTestUser, type TestUser } from './test-user.js';
import { ownedTempDir } from './leftovers.js';

export interface TestHostOptions {
  name?: string;
  /** Merged over the agent config the harness writes (supervisorctl, services, backups dir). */
  agentConfig?: Record<string, unknown>;
  programs?: readonly string[];
  /** Also let root in with the same forced command (root's login shell is bash; the bench measures it). */
  authorizeRoot?: boolean;
  /** A release checkout the stand-in programs read at each start (see supervisord.ts). */
  releaseDir?: string;
}

/** A real host for tests: supervisord with stand-ins, our agent as sshd's forced command, a key to reach it. */
export interface TestHost {
  dir: string;
  user: TestUser;
  sshd: Sshd;
  supervisor: Supervisord;
  clientKey: SshKeyPair;
  agentConfigPath: string;
  agentAuditLog: string;
  backupsDir: string;
  eventsSpool: string;
  fleetHost: FleetHost;
  stop(): Promise<void>;
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const dir = await ownedTempDir('host');
  const stops: Array<() => Promise<void>> = [];
  try {
    await chmod(dir, 0o755);
    const user = ensureTestUser();
    // Every test host runs the supervisord event listener, as an installed host does.
    const eventsSpool = join(dir, 'supervisor', 'events.jsonl');
    const supervisor = await startSupervisord(join(dir, 'supervisor'), options.programs, {
      eventsSpool,
      ...(options.releaseDir === undefined ? {} : { releaseDir: options.releaseDir }),
    });
    stops.push(() => supervisor.stop());
    // The agent's account owns its backups dir (0700, as on a host); root (the tests) reaches in anyway.
    const backupsDir = join(dir, 'backups');
    await mkdir(backupsDir, { recursive: true, mode: 0o700 });
    if (user.isRoot) await execa('chown', [user.name, backupsDir]);
    else await chmod(backupsDir, 0o777);
    const agentAuditLog = join(dir, 'agent-audit.log');
    await writeFile(agentAuditLog, '', { mode: 0o666 });
    await chmod(agentAuditLog, 0o666);
    const agentConfig = {
      host: options.name ?? 'test-host',
      supervisorctl: supervisor.supervisorctl,
      backups: { dir: backupsDir },
      auditLog: agentAuditLog,
      events: { spool: eventsSpool },
      ...options.agentConfig,
    };
    const agentConfigPath = join(dir, 'agent.yml');
    await writeFile(agentConfigPath, stringify(agentConfig), { mode: 0o644 });
    const clientKey = await generateKeyPair(join(dir, 'client_key'), 'recio-bot');
    const line = forcedCommandLine(clientKey.publicKey, agentConfigPath);
    const authorized = { [user.name]: [line], ...(options.authorizeRoot && user.isRoot ? { root: [line] } : {}) };
    const sshd = await startSshd({ dir: join(dir, 'sshd'), authorized });
    stops.push(() => sshd.stop());
    const fleetHost: FleetHost = {
      name: options.name ?? 'test-host',
      address: '127.0.0.1',
      port: sshd.port,
      user: user.name,
      hostKey: sshd.hostKeyFingerprint,
      roles: ['db', 'app', 'web'],
    };
    return {
      dir,
      user,
      sshd,
      supervisor,
      clientKey,
      agentConfigPath,
      agentAuditLog,
      backupsDir,
      eventsSpool,
      fleetHost,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The OpenSSH client's argv to a test host with its pinned known_hosts, as an operator (or anyone
 * holding the key) would use it; the remote command goes after it.
 */
export function opensshArgs(host: TestHost, user = host.user.name, address = '127.0.0.1'): string[] {
  return opensshClientArgs(host.sshd, host.clientKey, user, address);
}
