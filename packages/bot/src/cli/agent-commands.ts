import type { Command } from 'commander';
import { addSetupCommand } from './setup-command.js';

export function registerAgentCommands(program: Command, print: (line: string) => void): void {
  const agent = program.command('agent').description('the host agent (recio-agent)');
  addSetupCommand(agent, 'install-line', {
    print,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
}
