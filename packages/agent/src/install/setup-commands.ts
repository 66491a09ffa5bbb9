import { readFileSync } from 'node:fs';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { installAgent } from './install-agent.js';
import { installLine } from './install-line.js';
import { type PathOptions, resolveInstallPaths } from './install-paths.js';
import { renderPlan } from './render-plan.js';
import { type SetupCommandName, type SetupValues, setupCommand } from './setup-options.js';
import { uninstallAgent } from './uninstall-agent.js';
import { verifyAgent } from './verify-agent.js';

export interface SetupIo {
  print: (line: string) => void;
  readFile?: (path: string) => string;
}

/** A given option's value; a required one that is missing is refused by its flag. */
function text(values: SetupValues, flag: string, required: true): string;
function text(values: SetupValues, flag: string, required?: false): string | undefined;
function text(values: SetupValues, flag: string, required = false): string | undefined {
  const value = values[flag];
  if (typeof value === 'string' && value !== '') return value;
  if (required) throw new RecioError(ErrorCode.InvalidParams, `--${flag} is required`);
  return undefined;
}

const on = (values: SetupValues, flag: string): boolean => values[flag] === true;

function pathOptions(values: SetupValues): PathOptions {
  const given = (flag: string, key: keyof PathOptions) => {
    const value = text(values, flag);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    user: text(values, 'user', true),
    ...given('root-dir', 'rootDir'),
    ...given('agent-path', 'agentPath'),
    ...given('config', 'configPath'),
    ...given('sudoers-file', 'sudoersPath'),
    ...given('home-dir', 'homeDir'),
    ...given('audit-dir', 'auditDir'),
  };
}

/** The first key line of the bot's .pub file: comments and blank lines around it are ignored. */
function readPublicKey(path: string, read: (path: string) => string): string {
  const line = read(path)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) throw new RecioError(ErrorCode.InvalidParams, `${path} holds no public key line`);
  return line;
}

type Runner = (values: SetupValues, io: Required<SetupIo>) => Promise<number>;

const RUNNERS: { [C in SetupCommandName]: Runner } = {
  install: async (values, io) => {
    const user = text(values, 'user', true);
    const programs = text(values, 'programs')
      ?.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const supervisorConfig = text(values, 'supervisor-config');
    const pgCluster = text(values, 'pg-cluster');
    const report = await installAgent({
      ...pathOptions(values),
      publicKey: readPublicKey(text(values, 'public-key', true), io.readFile),
      from: text(values, 'from', true),
      ...(programs ? { programs } : {}),
      ...(supervisorConfig ? { supervisorConfig } : {}),
      force: on(values, 'force'),
      pitr: on(values, 'pitr'),
      ...(pgCluster ? { pgCluster } : {}),
      dryRun: on(values, 'dry-run'),
      check: !on(values, 'no-check'),
    });
    const lines = renderPlan(report.plan, {
      dryRun: report.dryRun,
      title: `recio agent install (user ${user})`,
      nothing: `nothing to change: the agent for ${user} is installed as wanted`,
    });
    for (const line of lines) io.print(line);
    if (report.stanza) io.print(report.stanza.message);
    if (report.check) io.print(report.check.message);
    return report.check?.ok === false || report.stanza?.ok === false ? 1 : 0;
  },

  uninstall: async (values, io) => {
    const user = text(values, 'user', true);
    const report = await uninstallAgent({
      ...pathOptions(values),
      purge: on(values, 'purge'),
      dryRun: on(values, 'dry-run'),
    });
    const lines = renderPlan(report.plan, {
      dryRun: report.dryRun,
      title: `recio agent uninstall (user ${user})`,
      nothing: `nothing to remove: no agent install for ${user} here`,
    });
    for (const line of lines) io.print(line);
    return 0;
  },

  'install-line': async (values, io) => {
    const from = text(values, 'from');
    io.print(
      installLine({
        publicKey: readPublicKey(text(values, 'public-key', true), io.readFile),
        agentPath: text(values, 'agent', true),
        configPath: text(values, 'config', true),
        ...(from ? { from } : {}),
      }),
    );
    return 0;
  },

  verify: async (values, io) => {
    const paths = resolveInstallPaths(pathOptions(values));
    const check = await verifyAgent(text(values, 'user', true), paths.agentPath, paths.configPath);
    io.print(check.message);
    return check.ok ? 0 : 1;
  },
};

/**
 * Runs one setup command with what a parser read off the command line (defaults applied), printing
 * its lines; resolves to the exit code. A refusal (not root, an account it did not make, a bad
 * path) is thrown as a coded RecioError for the caller's one error handler.
 */
export async function runSetup(name: SetupCommandName, values: SetupValues, io: SetupIo): Promise<number> {
  const { options } = setupCommand(name);
  const withDefaults: Record<string, string | boolean | undefined> = { ...values };
  for (const option of options) {
    if (withDefaults[option.flag] === undefined && option.default !== undefined)
      withDefaults[option.flag] = option.default;
  }
  const missing = options
    .filter((o) => o.required && text(withDefaults, o.flag) === undefined)
    .map((o) => `--${o.flag}`);
  if (missing.length > 0) throw new RecioError(ErrorCode.InvalidParams, `${name} needs ${missing.join(' and ')}`);
  return RUNNERS[name](withDefaults, {
    print: io.print,
    readFile: io.readFile ?? ((path) => readFileSync(path, 'utf8')),
  });
}
