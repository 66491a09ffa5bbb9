import { join } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { checkSudoersFileName } from './sudo-rules.js';

/** Where an install puts things on the host. */
export interface InstallPaths {
  /** The launcher sshd runs as the forced command. */
  agentPath: string;
  configPath: string;
  sudoersPath: string;
  /** The account's home for a new account (an existing one keeps its own). */
  homeDir: string;
  /** The agent's audit log goes here (one JSON line per request); owned by the agent's user. */
  auditDir: string;
}

export interface PathOptions {
  user: string;
  /**
   * Prefix for every default path (for tests and staged images); paths given explicitly are used
   * as they are. The account and the sudo check are real whatever the prefix.
   */
  rootDir?: string;
  agentPath?: string;
  configPath?: string;
  sudoersPath?: string;
  homeDir?: string;
  auditDir?: string;
}

export const DEFAULT_USER = 'recio';

// These paths end up in authorized_keys' command="…", in sudoers and in a shell script.
const SAFE_PATH = /^\/[A-Za-z0-9_./-]*$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function checkUserName(user: string): void {
  if (!USER_NAME.test(user))
    throw new RecioError(
      ErrorCode.InvalidParams,
      `--user must be a unix user name ([a-z_][a-z0-9_-]*, 32 at most), got ${JSON.stringify(user)}`,
    );
  if (user === 'root')
    throw new RecioError(ErrorCode.InvalidParams, 'the agent never runs as root: choose another --user');
}

function checkPath(name: string, path: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').includes('..')) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `${name} must be an absolute path of [A-Za-z0-9_./-] without "..", got ${JSON.stringify(path)}`,
    );
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function resolveInstallPaths(options: PathOptions): InstallPaths {
  checkUserName(options.user);
  const root = checkPath('--root-dir', options.rootDir ?? '/');
  const under = (path: string) => join(root, path);
  const paths: InstallPaths = {
    agentPath: checkPath('--agent-path', options.agentPath ?? under('/usr/local/bin/recio-agent')),
    configPath: checkPath('--config', options.configPath ?? under('/etc/recio/agent.yml')),
    sudoersPath: checkPath('--sudoers-file', options.sudoersPath ?? under('/etc/sudoers.d/recio-agent')),
    homeDir: checkPath('--home-dir', options.homeDir ?? under(`/home/${options.user}`)),
    auditDir: checkPath('--audit-dir', options.auditDir ?? under('/var/log/recio-agent')),
  };
  checkSudoersFileName(paths.sudoersPath);
  return paths;
}
