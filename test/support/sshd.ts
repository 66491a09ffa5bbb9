import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { fingerprintOf } from '@recio/protocol/host-key';
import { freePort, waitForPort } from './ports.js';
import { EVENT_BOUND_MS } from './bounds.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const AGENT_ENTRY = join(REPO_ROOT, 'packages/agent/dist/main.js');

export interface SshKeyPair {
  privateKeyPath: string;
  privateKey: string;
  publicKey: string;
}

export async function generateKeyPair(path: string, comment = 'recio-test'): Promise<SshKeyPair> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return {
    privateKeyPath: path,
    privateKey: await readFile(path, 'utf8'),
    publicKey: (await readFile(`${path}.pub`, 'utf8')).trim(),
  };
}

/** The SHA256 fingerprint of an OpenSSH public key line, computed the way ssh-keygen -l does. */
export function fingerprintOfPublicKey(publicKeyLine: string): string {
  const blob = publicKeyLine.split(/\s+/)[1];
  if (blob === undefined) throw new Error(`not a public key line: ${publicKeyLine}`);
  return fingerprintOf(Buffer.from(blob, 'base64'));
}

export interface SshdOptions {
  dir: string;
  /** Users allowed in, each with the public key lines for its authorized_keys. */
  authorized: Record<string, string[]>;
}

export interface Sshd {
  port: number;
  hostKeyFingerprint: string;
  hostPublicKey: string;
  /** A known_hosts file pinning this sshd's key. */
  knownHostsPath: string;
  /** `ssh-ed25519 AAAA…`, for known_hosts lines under other names. */
  keyParts: string;
  stop(): Promise<void>;
}

/**
 * The OpenSSH client's argv to this sshd with its pinned known_hosts and one key, as an operator (or
 * anyone holding the key) would use it; the remote command goes after it.
 */
export function opensshClientArgs(sshd: Sshd, key: SshKeyPair, user: string, address = '127.0.0.1'): string[] {
  return [
    '-i',
    key.privateKeyPath,
    '-p',
    String(sshd.port),
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsPath}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    `${user}@${address}`,
  ];
}

/** `restrict,command="…"`: the agent as the forced command, exactly what `recio agent install-line` prints. */
export function forcedCommandLine(publicKey: string, agentConfigPath: string): string {
  return `restrict,command="${process.execPath} ${AGENT_ENTRY} --config ${agentConfigPath}" ${publicKey}`;
}

/**
 * A real OpenSSH sshd on a random loopback port, in its own temp dir, with its own host key. It
 * runs in the foreground (-D) as our child and dies with the test.
 */
export async function startSshd(options: SshdOptions): Promise<Sshd> {
  if (!existsSync(AGENT_ENTRY))
    throw new Error(`${AGENT_ENTRY} is missing: run \`npm run build\` first (npm test does)`);
  const { dir } = options;
  await mkdir(join(dir, 'authorized_keys'), { recursive: true });
  await chmod(dir, 0o755);
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);
  const hostKey = await generateKeyPair(join(dir, 'ssh_host_ed25519_key'), 'host');
  for (const [user, lines] of Object.entries(options.authorized)) {
    await writeFile(join(dir, 'authorized_keys', user), `${lines.join('\n')}\n`, { mode: 0o644 });
  }
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey.privateKeyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}/%u`,
    // The temp dir belongs to root while the test user reads its key file: skip the ownership walk.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin forced-commands-only',
    `AllowUsers ${Object.keys(options.authorized).join(' ')}`,
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 200:30:400',
    'MaxSessions 100',
    'LogLevel ERROR',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, `${config}\n`);
  await execa('/usr/sbin/sshd', ['-t', '-f', configPath]);
  // stdio ignored: sshd's connection processes inherit it, and a pipe would keep our await open.
  const child: ResultPromise = execa('/usr/sbin/sshd', ['-D', '-f', configPath], { reject: false, stdio: 'ignore' });
  await waitForPort(port, EVENT_BOUND_MS, 'SSH-');
  const knownHostsPath = join(dir, 'known_hosts');
  const keyParts = hostKey.publicKey.split(/\s+/).slice(0, 2).join(' ');
  await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${keyParts}\n`);
  return {
    port,
    hostKeyFingerprint: fingerprintOfPublicKey(hostKey.publicKey),
    hostPublicKey: hostKey.publicKey,
    knownHostsPath,
    keyParts,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
