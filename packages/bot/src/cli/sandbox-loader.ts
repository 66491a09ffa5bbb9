import type { Command } from 'commander';

interface SandboxCommandsModule {
  registerSandboxCommands(program: Command, deps: { print(line: string): void; setExitCode(code: number): void }): void;
}

// A variable, so tsc does not follow it: the production bot ships without the sandbox package.
const SANDBOX_COMMANDS: string = '@recio/sandbox/sandbox-commands';

/**
 * `recio sandbox …` comes from the sandbox package where it is installed (a checkout of the
 * repository); elsewhere the command says where to find it rather than being unknown.
 */
export async function registerSandboxCommands(
  program: Command,
  deps: { print(line: string): void; setExitCode(code: number): void },
): Promise<void> {
  let loaded: SandboxCommandsModule | undefined;
  try {
    loaded = (await import(SANDBOX_COMMANDS)) as SandboxCommandsModule;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  if (loaded !== undefined) {
    loaded.registerSandboxCommands(program, deps);
    return;
  }
  program
    .command('sandbox')
    .description('a practice REC.IO on loopback (needs the sandbox package: a checkout of the repository)')
    .allowUnknownOption()
    .action(() => {
      deps.print(
        'recio sandbox: the sandbox package is not installed here; run it from a checkout of the repository (npm ci).',
      );
      deps.setExitCode(1);
    });
}
