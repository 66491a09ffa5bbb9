import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { DEFAULT_USER } from './install-paths.js';

/**
 * The options of `recio agent install|uninstall|install-line|verify`, declared once. The bot's
 * `recio` CLI (commander) and the agent's own `recio-agent-setup` (node:util parseArgs) both build
 * their parsers from this table and hand what they parsed, keyed by flag, to runSetup.
 */
export interface SetupOption {
  /** The long flag without its dashes: `public-key`. A `no-` flag turns a default-on step off. */
  flag: string;
  /** `<file>` for an option that takes a value; absent for a switch. */
  value?: string;
  description: string;
  default?: string;
  required?: boolean;
}

export interface SetupCommand {
  name: SetupCommandName;
  description: string;
  options: readonly SetupOption[];
}

export type SetupCommandName = 'install' | 'uninstall' | 'install-line' | 'verify';

/** What a parser hands over: each given flag's value (a string, or true for a switch). */
export type SetupValues = Readonly<Record<string, string | boolean | undefined>>;

const user: SetupOption = { flag: 'user', value: '<name>', description: "the agent's account", default: DEFAULT_USER };
const agentPath: SetupOption = {
  flag: 'agent-path',
  value: '<path>',
  description: 'the launcher sshd runs (default /usr/local/bin/recio-agent)',
};
const config: SetupOption = {
  flag: 'config',
  value: '<path>',
  description: 'the agent config (default /etc/recio/agent.yml)',
};
const rootDir: SetupOption = {
  flag: 'root-dir',
  value: '<dir>',
  description: 'prefix for every default path (staging, tests); the account is real',
};

const PATHS: readonly SetupOption[] = [
  user,
  agentPath,
  config,
  { flag: 'sudoers-file', value: '<path>', description: 'the sudoers drop-in (default /etc/sudoers.d/recio-agent)' },
  { flag: 'audit-dir', value: '<path>', description: "the agent's audit log directory (default /var/log/recio-agent)" },
  rootDir,
  { flag: 'dry-run', description: 'print every change and make none' },
];

const publicKey: SetupOption = {
  flag: 'public-key',
  value: '<file>',
  description: "the bot's public key (RECIO_SSH_KEY + .pub)",
  required: true,
};

export const SETUP_COMMANDS: readonly SetupCommand[] = [
  {
    name: 'install',
    description: 'run as root on a host: create the agent account, its forced-command key, config and exact sudo rules',
    options: [
      ...PATHS,
      publicKey,
      {
        flag: 'from',
        value: '<patterns>',
        description: 'addresses the bot connects from (authorized_keys from=, e.g. 10.0.0.5)',
        required: true,
      },
      { flag: 'home-dir', value: '<path>', description: "a new account's home (default /home/<user>)" },
      {
        flag: 'programs',
        value: '<list>',
        description: 'comma-separated supervisor programs for a new config (default: from supervisorctl status)',
      },
      {
        flag: 'supervisor-config',
        value: '<path>',
        description: 'supervisord.conf, for supervisorctl -c in a new config',
      },
      {
        flag: 'pitr',
        description: 'set up point-in-time recovery: pgbackrest stanza, archive_command, db.pitr and its sudo rules',
      },
      {
        flag: 'pg-cluster',
        value: '<version/name>',
        description: 'with --pitr: the Debian PostgreSQL cluster (default the newest <version>/main)',
      },
      { flag: 'force', description: 'replace an existing agent config with the default' },
      { flag: 'no-check', description: 'skip running the agent once as its user after installing' },
    ],
  },
  {
    name: 'uninstall',
    description: 'run as root on a host: remove the agent account, its home, sudoers drop-in and launcher',
    options: [...PATHS, { flag: 'purge', description: 'also remove the agent config and its audit log' }],
  },
  {
    name: 'install-line',
    description: "print the authorized_keys line for a host's recio account",
    options: [
      publicKey,
      {
        flag: 'agent',
        value: '<path>',
        description: 'where recio-agent is installed on the host',
        default: '/usr/local/bin/recio-agent',
      },
      { flag: 'config', value: '<path>', description: "the host's agent config", default: '/etc/recio/agent.yml' },
      { flag: 'from', value: '<patterns>', description: 'addresses the bot connects from (authorized_keys from=)' },
    ],
  },
  {
    name: 'verify',
    description: 'run as root on a host: run the installed agent once as its user (service.status) and say what to fix',
    options: [user, agentPath, config, rootDir],
  },
];

export function setupCommand(name: SetupCommandName): SetupCommand {
  const command = SETUP_COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new RecioError(ErrorCode.Internal, `no setup command ${name}`);
  return command;
}
