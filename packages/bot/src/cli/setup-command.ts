import type { Command } from 'commander';
import { runSetup } from '@recio/agent/install/setup-commands';
import { type SetupCommandName, type SetupValues, setupCommand } from '@recio/agent/install/setup-options';

export interface SetupCommandDeps {
  print: (line: string) => void;
  setExitCode: (code: number) => void;
  readFile?: (path: string) => string;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * `recio agent <name>` from the agent package's own table of options (the same one its
 * `recio-agent-setup` parses), run by the agent package's runSetup: commander only parses.
 */
export function addSetupCommand(agent: Command, name: SetupCommandName, deps: SetupCommandDeps): Command {
  const spec = setupCommand(name);
  const command = agent.command(name).description(spec.description);
  for (const option of spec.options) {
    const flags = `--${option.flag}${option.value ? ` ${option.value}` : ''}`;
    if (option.required) command.requiredOption(flags, option.description);
    else if (option.default !== undefined) command.option(flags, option.description, option.default);
    else command.option(flags, option.description);
  }
  return command.action(async (opts: Record<string, string | boolean | undefined>) => {
    // commander names `--public-key` publicKey and turns `--no-check` into check: false.
    const values: SetupValues = Object.fromEntries(
      spec.options.map((option) =>
        option.flag.startsWith('no-')
          ? [option.flag, opts[camel(option.flag.slice(3))] === false]
          : [option.flag, opts[camel(option.flag)]],
      ),
    );
    const code = await runSetup(name, values, {
      print: deps.print,
      ...(deps.readFile ? { readFile: deps.readFile } : {}),
    });
    if (code !== 0) deps.setExitCode(code);
  });
}
