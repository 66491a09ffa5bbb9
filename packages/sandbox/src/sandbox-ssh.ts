import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { installLine } from '@recio/agent/install/install-line';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { fingerprintOf } from '@recio/protocol/host-key';
import { livePid, spawnDetached, stopPid } from './detached-process.js';
import { requireProgram } from './sandbox-binaries.js';
import { logFileOf, pidFileOf, type SandboxPaths } from './sandbox-paths.js';
import type { SandboxState } from './sandbox-state.js';
import type { UnixAccount } from './sandbox-user.js';
import { answersOn, waitFor } from './wait-for.js';
import { ensureDir, writeIfChanged } from './write-if-changed.js';

/** An ed25519 key pair at `path` (+ .pub), made once; a half-made pair from an interrupted `up` is made again. */
export async function ensureKeyPair(path: string, comment: string): Promise<string> {
  if (!existsSync(path) || !existsSync(`${path}.pub`)) {
    rmSync(path, { force: true });
    rmSync(`${path}.pub`, { force: true });
    await execa(requireProgram('ssh-keygen', 'openssh-client'), [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      comment,
      '-f',
      path,
    ]);
  }
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** The SHA256 fingerprint of an OpenSSH public key line, as `ssh-keygen -l` prints it. */
export function fingerprintOfPublicKey(line: string): string {
  const blob = line.split(/\s+/)[1];
  if (blob === undefined) throw new RecioError(ErrorCode.ConfigInvalid, `not a public key line: ${line}`);
  return fingerprintOf(Buffer.from(blob, 'base64'));
}

export function hostKeyFingerprint(paths: SandboxPaths): string {
  return fingerprintOfPublicKey(readFileSync(`${paths.hostKey}.pub`, 'utf8'));
}

function renderSshdConfig(paths: SandboxPaths, state: SandboxState, user: UnixAccount): string {
  return [
    '# Written by `recio sandbox up`: loopback only, keys only, the agent as the forced command.',
    `Port ${state.ports.ssh}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${paths.hostKey}`,
    `PidFile ${pidFileOf(paths, 'sshd')}`,
    `AuthorizedKeysFile ${paths.authorizedKeysDir}/%u`,
    // The sandbox dir belongs to whoever ran `up`, not to the agent's user: skip the ownership walk.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin no',
    `AllowUsers ${user.name}`,
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/**
 * sshd for the sandbox: its own host key and port, and one authorized key — the bot's — whose
 * line runs the agent and nothing else (`recio agent install-line`'s `restrict,command=…`).
 */
export async function ensureSshd(
  paths: SandboxPaths,
  state: SandboxState,
  user: UnixAccount,
): Promise<'started' | 'running' | 'reloaded'> {
  ensureDir(paths.sshdDir, 0o755);
  ensureDir(paths.authorizedKeysDir, 0o755);
  const hostPublic = await ensureKeyPair(paths.hostKey, 'recio-sandbox-host');
  const botPublic = await ensureKeyPair(paths.botKey, 'recio-bot@sandbox');
  const line = installLine({
    publicKey: botPublic,
    agentPath: paths.agentLauncher,
    configPath: paths.agentConfig,
    from: '127.0.0.1',
  });
  writeIfChanged(join(paths.authorizedKeysDir, user.name), `${line}\n`, 0o644);
  const keyParts = hostPublic.split(/\s+/).slice(0, 2).join(' ');
  writeIfChanged(paths.knownHosts, `[127.0.0.1]:${state.ports.ssh} ${keyParts}\n`, 0o644);
  const changed = writeIfChanged(paths.sshdConfig, renderSshdConfig(paths, state, user), 0o644);
  const sshd = requireProgram('sshd', 'openssh-server');
  const check = await execa(sshd, ['-t', '-f', paths.sshdConfig], { reject: false });
  if (check.exitCode !== 0)
    throw new RecioError(ErrorCode.ConfigInvalid, `sshd -t ${paths.sshdConfig}: ${check.stderr.trim()}`);
  const running = livePid(pidFileOf(paths, 'sshd'), paths.dir);
  if (running !== undefined) {
    if (!changed) return 'running';
    // SIGHUP: sshd re-executes itself with the new config, keeping its pid.
    process.kill(running, 'SIGHUP');
    await waitFor(`sshd on 127.0.0.1:${state.ports.ssh} after reload`, 10_000, async () =>
      (await answersOn(state.ports.ssh, 'SSH-')) ? true : undefined,
    );
    return 'reloaded';
  }
  // sshd refuses to start without its privilege-separation directory.
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // Not root: an sshd of our own needs none.
  }
  spawnDetached({
    argv: [sshd, '-D', '-f', paths.sshdConfig, '-E', logFileOf(paths, 'sshd')],
    pidFile: pidFileOf(paths, 'sshd'),
    logFile: logFileOf(paths, 'sshd-stdout'),
    dir: paths.dir,
  });
  await waitFor(`sshd answering on 127.0.0.1:${state.ports.ssh}`, 10_000, async () =>
    (await answersOn(state.ports.ssh, 'SSH-')) ? true : undefined,
  );
  return 'started';
}

export async function stopSshd(paths: SandboxPaths): Promise<number | undefined> {
  const pid = livePid(pidFileOf(paths, 'sshd'), paths.dir);
  if (pid !== undefined) await stopPid(pid, 'SIGTERM', 5_000);
  return pid;
}
