import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { installLine } from '@recio/agent/install/install-line';

export function registerAgentCommands(program: Command, print: (line: string) => void): void {
  const agent = program.command('agent').description('the host agent (recio-agent)');
  agent
    .command('install-line')
    .description("print the authorized_keys line for a host's recio account")
    .requiredOption('--public-key <path>', "the bot's public key file (RECIO_SSH_KEY + .pub)")
    .option('--agent <path>', 'where recio-agent is installed on the host', '/usr/local/bin/recio-agent')
    .option('--config <path>', "the host's agent config", '/etc/recio/agent.yml')
    .option('--from <patterns>', 'addresses the bot connects from (authorized_keys from=)')
    .action((opts: { publicKey: string; agent: string; config: string; from?: string }) => {
      const publicKey = readFileSync(opts.publicKey, 'utf8');
      print(
        installLine({
          publicKey,
          agentPath: opts.agent,
          configPath: opts.config,
          ...(opts.from ? { from: opts.from } : {}),
        }),
      );
    });
}
