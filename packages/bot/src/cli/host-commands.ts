import type { Command } from 'commander';
import type { Hosts } from '../hosts/fleet-hosts.js';
import type { HostResult } from '../hosts/transport.js';

interface ProgramLine {
  name: string;
  state: string;
  pid: number | null;
  uptime: string | null;
  description: string;
}

/** `status` as a terminal table: one block per host, one line per program. */
export function formatStatus(results: HostResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    if (!result.ok) {
      lines.push(`✖ ${result.host}: ${result.error?.message ?? 'failed'}`);
      continue;
    }
    lines.push(`${result.host}`);
    for (const p of (result.data as { programs: ProgramLine[] }).programs) {
      const mark = p.state === 'RUNNING' ? '✔' : '✖';
      lines.push(
        `  ${mark} ${p.name.padEnd(26)} ${p.state.padEnd(9)} ` +
          (p.state === 'RUNNING' ? `pid ${p.pid}, up ${p.uptime}` : p.description),
      );
    }
  }
  return lines;
}

export function registerHostCommands(
  program: Command,
  deps: { openHosts(): Hosts; print(line: string): void; setExitCode(code: number): void },
): void {
  program
    .command('status [host]')
    .description('supervisor programs on every host (or one), over the same path the bot uses')
    .action(async (host: string | undefined) => {
      const hosts = deps.openHosts();
      try {
        const names = host === undefined ? hosts.names() : [host];
        const results = await hosts.fanOut(names, { action: 'service.status', params: {} });
        for (const line of formatStatus(results)) deps.print(line);
        if (results.some((r) => !r.ok)) deps.setExitCode(1);
      } finally {
        await hosts.close();
      }
    });
}
