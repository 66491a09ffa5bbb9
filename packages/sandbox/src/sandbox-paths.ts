import { join, resolve } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/** Where everything of one sandbox lives, all under its directory (nothing outside but an OS user). */
export interface SandboxPaths {
  dir: string;
  /** Written first by `up`: `down` removes only a directory that carries it. */
  marker: string;
  state: string;
  lock: string;
  fleet: string;
  env: string;
  keysDir: string;
  botKey: string;
  binDir: string;
  agentLauncher: string;
  agentDir: string;
  agentConfig: string;
  archiveKey: string;
  sshdDir: string;
  sshdConfig: string;
  hostKey: string;
  authorizedKeysDir: string;
  knownHosts: string;
  pgDir: string;
  pgData: string;
  /** Written once initdb finished: initdb writes PG_VERSION early, so that file proves nothing. */
  pgInitDone: string;
  pgSchemaReady: string;
  supervisorDir: string;
  supervisorConfig: string;
  supervisorSocket: string;
  runDir: string;
  logsDir: string;
  programLogsDir: string;
  controlDir: string;
  faultsDir: string;
  homeDir: string;
  optDir: string;
  repo: string;
  backupsDir: string;
  configBackupsDir: string;
  /** config.restore's target root (§2.2): archives unpacked here for a person to compare. */
  configRestoreDir: string;
  /** history.archive's dir (§2.3): logs and the price and snapshot exports. */
  historyDir: string;
  offsiteDir: string;
}

// The dir ends up in authorized_keys' command="…", a launcher script and supervisord.conf: plain only.
const SAFE_DIR = /^\/[A-Za-z0-9_./+-]+$/;
// sockaddr_un.sun_path is 108 bytes with the terminating NUL.
const MAX_SOCKET_PATH = 107;

export function sandboxPaths(dirInput: string): SandboxPaths {
  const dir = resolve(dirInput);
  // `down` removes the whole directory.
  if (dir === '/') throw new RecioError(ErrorCode.InvalidParams, 'the sandbox dir cannot be /');
  if (!SAFE_DIR.test(dir) || dir.split('/').includes('..')) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `the sandbox dir must be a plain path ([A-Za-z0-9_./+-]), got ${JSON.stringify(dir)}`,
    );
  }
  const at = (...parts: string[]) => join(dir, ...parts);
  const paths: SandboxPaths = {
    dir,
    marker: at('.recio-sandbox'),
    state: at('sandbox.json'),
    lock: at('.sandbox.lock'),
    fleet: at('fleet.yml'),
    env: at('recio.env'),
    keysDir: at('keys'),
    botKey: at('keys', 'bot_ed25519'),
    binDir: at('bin'),
    agentLauncher: at('bin', 'recio-agent'),
    agentDir: at('agent'),
    agentConfig: at('agent', 'agent.yml'),
    archiveKey: at('agent', 'config-archive.key'),
    sshdDir: at('sshd'),
    sshdConfig: at('sshd', 'sshd_config'),
    hostKey: at('sshd', 'ssh_host_ed25519_key'),
    authorizedKeysDir: at('sshd', 'authorized_keys'),
    knownHosts: at('sshd', 'known_hosts'),
    pgDir: at('pg'),
    pgData: at('pg', 'data'),
    pgInitDone: at('pg', 'initdb-done'),
    pgSchemaReady: at('pg', 'schema-ready'),
    supervisorDir: at('supervisor'),
    supervisorConfig: at('supervisor', 'supervisord.conf'),
    supervisorSocket: at('supervisor', 'supervisor.sock'),
    runDir: at('run'),
    logsDir: at('logs'),
    programLogsDir: at('logs', 'programs'),
    controlDir: at('control'),
    faultsDir: at('faults'),
    homeDir: at('home'),
    optDir: at('opt'),
    repo: at('opt', 'rec_io_v2'),
    backupsDir: at('backups', 'postgres'),
    configBackupsDir: at('backups', 'config'),
    configRestoreDir: at('backups', 'config-restore'),
    historyDir: at('backups', 'history'),
    offsiteDir: at('backups', 'offsite'),
  };
  if (Buffer.byteLength(paths.supervisorSocket) > MAX_SOCKET_PATH) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `the sandbox dir is too deep: ${paths.supervisorSocket} ` +
        `exceeds the ${MAX_SOCKET_PATH}-byte limit of a unix socket path`,
    );
  }
  return paths;
}

/** A detached process's pid file and log, by component name. */
export function pidFileOf(paths: SandboxPaths, component: string): string {
  return join(paths.runDir, `${component}.pid`);
}

export function logFileOf(paths: SandboxPaths, component: string): string {
  return join(paths.logsDir, `${component}.log`);
}
