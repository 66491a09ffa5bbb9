import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { installAgent } from '@recio/agent/install/install-agent';
import { DEFAULT_USER } from '@recio/agent/install/install-paths';
import { renderPlan } from '@recio/agent/install/render-plan';
import { uninstallAgent } from '@recio/agent/install/uninstall-agent';

export interface InstallCommandDeps {
  print: (line: string) => void;
  setExitCode: (code: number) => void;
  readFile?: (path: string) => string;
}

interface CommonOptions {
  user: string;
  rootDir?: string;
  agentPath?: string;
  config?: string;
  sudoersFile?: string;
  homeDir?: string;
  auditDir?: string;
  dryRun?: boolean;
}

interface InstallOptions extends CommonOptions {
  publicKey: string;
  from: string;
  programs?: string;
  supervisorConfig?: string;
  force?: boolean;
  check: boolean;
}

function withCommonOptions(command: Command): Command {
  return command
    .option('--user <name>', "the agent's account", DEFAULT_USER)
    .option('--agent-path <path>', 'the launcher sshd runs (default /usr/local/bin/recio-agent)')
    .option('--config <path>', 'the agent config (default /etc/recio/agent.yml)')
    .option('--sudoers-file <path>', 'the sudoers drop-in (default /etc/sudoers.d/recio-agent)')
    .option('--audit-dir <path>', "the agent's audit log directory (default /var/log/recio-agent)")
    .option('--root-dir <dir>', 'prefix for every default path (staging, tests); the account is real')
    .option('--dry-run', 'print every change and make none');
}

const pathOptions = (opts: CommonOptions) => ({
  user: opts.user,
  ...(opts.rootDir ? { rootDir: opts.rootDir } : {}),
  ...(opts.agentPath ? { agentPath: opts.agentPath } : {}),
  ...(opts.config ? { configPath: opts.config } : {}),
  ...(opts.sudoersFile ? { sudoersPath: opts.sudoersFile } : {}),
  ...(opts.homeDir ? { homeDir: opts.homeDir } : {}),
  ...(opts.auditDir ? { auditDir: opts.auditDir } : {}),
});

/** The first key line of the bot's .pub file: comments and blank lines around it are ignored. */
function readPublicKey(path: string, read: (path: string) => string): string {
  const line = read(path)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) throw new RecioError(ErrorCode.InvalidParams, `${path} holds no public key line`);
  return line;
}

/**
 * `recio agent install` and `recio agent uninstall`, under the `agent` command when it exists
 * already (agent-commands registers `install-line` there).
 */
export function registerInstallCommands(program: Command, deps: InstallCommandDeps): void {
  const read = deps.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const agent =
    program.commands.find((c) => c.name() === 'agent') ??
    program.command('agent').description('the host agent (recio-agent)');

  withCommonOptions(
    agent
      .command('install')
      .description(
        'run as root on a host: create the agent account, its forced-command key, config and exact sudo rules',
      )
      .requiredOption('--public-key <file>', "the bot's public key (RECIO_SSH_KEY + .pub)")
      .requiredOption('--from <patterns>', 'addresses the bot connects from (authorized_keys from=, e.g. 10.0.0.5)')
      .option('--home-dir <path>', "a new account's home (default /home/<user>)")
      .option(
        '--programs <list>',
        'comma-separated supervisor programs for a new config (default: from supervisorctl status)',
      )
      .option('--supervisor-config <path>', 'supervisord.conf, for supervisorctl -c in a new config')
      .option('--force', 'replace an existing agent config with the default')
      .option('--no-check', 'skip running the agent once as its user after installing'),
  ).action(async (opts: InstallOptions) => {
    const report = await installAgent({
      ...pathOptions(opts),
      publicKey: readPublicKey(opts.publicKey, read),
      from: opts.from,
      ...(opts.programs
        ? {
            programs: opts.programs
              .split(',')
              .map((p) => p.trim())
              .filter(Boolean),
          }
        : {}),
      ...(opts.supervisorConfig ? { supervisorConfig: opts.supervisorConfig } : {}),
      force: opts.force ?? false,
      dryRun: opts.dryRun ?? false,
      check: opts.check,
    });
    const title = `recio agent install (user ${opts.user})`;
    for (const line of renderPlan(report.plan, {
      dryRun: report.dryRun,
      title,
      nothing: `nothing to change: the agent for ${opts.user} is installed as wanted`,
    }))
      deps.print(line);
    if (report.check) {
      deps.print(report.check.message);
      if (!report.check.ok) deps.setExitCode(1);
    }
  });

  withCommonOptions(
    agent
      .command('uninstall')
      .description('run as root on a host: remove the agent account, its home, sudoers drop-in and launcher')
      .option('--purge', 'also remove the agent config and its audit log'),
  ).action(async (opts: CommonOptions & { purge?: boolean }) => {
    const report = await uninstallAgent({
      ...pathOptions(opts),
      purge: opts.purge ?? false,
      dryRun: opts.dryRun ?? false,
    });
    const title = `recio agent uninstall (user ${opts.user})`;
    for (const line of renderPlan(report.plan, {
      dryRun: report.dryRun,
      title,
      nothing: `nothing to remove: no agent install for ${opts.user} here`,
    }))
      deps.print(line);
  });
}
