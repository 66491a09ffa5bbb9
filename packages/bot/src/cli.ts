#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { registerAgentCommands } from './cli/agent-commands.js';
import { registerHostCommands } from './cli/host-commands.js';
import { registerDoctorCommand } from './cli/doctor-command.js';
import { registerInstallCommands } from './cli/install-commands.js';
import { cliUnixUser } from './cli/cli-user.js';
import { registerRunCommands } from './cli/run-commands.js';
import { registerRunbookCommands } from './cli/runbook-commands.js';
import { registerSandboxCommands } from './cli/sandbox-loader.js';
import { registerDrillCommands } from './cli/drill-commands.js';
import { composeCore } from './compose.js';
import { createLogger } from './observability/logger.js';
import { registerStoreCommands } from './cli/store-commands.js';
import { loadConfig, type Config } from './config.js';
import { isRecioError } from '@recio/protocol/errors';
import { hostsFromConfig } from './hosts/fleet-hosts.js';
import { anchorFileFor, openStore, storeOptionsFromConfig } from './store/index.js';

/**
 * `recio`: the same engine as the Slack app, from a terminal — for when Slack is down too.
 */
loadDotenv({ quiet: true });
const print = (line: string) => process.stdout.write(`${line}\n`);
const setExitCode = (code: number) => {
  process.exitCode = code;
};
let loaded: Config | undefined;
const config = (): Config => (loaded ??= loadConfig(process.env));

const program = new Command('recio').description('REC.IO v2 disaster recovery, from a terminal').showHelpAfterError();
registerAgentCommands(program, print);
registerInstallCommands(program, { print, setExitCode });
registerHostCommands(program, {
  openHosts: () => hostsFromConfig(config(), (path) => readFileSync(path, 'utf8')),
  print,
  setExitCode,
});
registerStoreCommands(program, {
  openStore: ({ migrate }) => openStore({ ...storeOptionsFromConfig(config()), migrate }),
  anchorFile: () => anchorFileFor(config().env.RECIO_DATA_DIR),
});
registerDoctorCommand(program, { print, setExitCode });
await registerSandboxCommands(program, { print, setExitCode });
registerDrillCommands(program, { print, setExitCode, env: () => process.env });
registerRunCommands(program, {
  openCore: () => composeCore(config(), { logger: createLogger({ level: 'warn' }) }),
  unixUser: () => cliUnixUser(process.env, config().env.RECIO_DATA_DIR),
  print,
  setExitCode,
});
registerRunbookCommands(program, {
  print,
  setExitCode,
  runbooksDir: () => process.env.RECIO_RUNBOOKS_DIR || 'commands',
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`recio: ${isRecioError(error) ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = isRecioError(error, 'config_invalid') ? 78 : 1;
}
