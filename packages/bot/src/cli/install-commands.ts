import type { Command } from 'commander';
import { addSetupCommand, type SetupCommandDeps } from './setup-command.js';

export type InstallCommandDeps = SetupCommandDeps;

/**
 * `recio agent install`, `uninstall` and `verify`, under the `agent` command when it exists
 * already (agent-commands registers `install-line` there). The options and what they do live in
 * the agent package, which a REC.IO host runs alone as `recio-agent-setup`.
 */
export function registerInstallCommands(program: Command, deps: InstallCommandDeps): void {
  const agent =
    program.commands.find((c) => c.name() === 'agent') ??
    program.command('agent').description('the host agent (recio-agent)');
  for (const name of ['install', 'uninstall', 'verify'] as const) addSetupCommand(agent, name, deps);
}
