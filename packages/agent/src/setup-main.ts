#!/usr/bin/env node
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ErrorCode, isRecioError, RecioError, toRecioError } from '@recio/protocol/errors';
import { runSetup } from './install/setup-commands.js';
import { SETUP_COMMANDS, type SetupCommand, type SetupValues } from './install/setup-options.js';

/**
 * recio-agent-setup: `recio agent install|uninstall|install-line|verify` for a REC.IO host that has
 * only the agent package — the same options and the same installer as the bot's `recio` CLI.
 */
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function usage(command?: SetupCommand): string[] {
  if (command === undefined) {
    return [
      'usage: recio-agent-setup <command> [options]',
      '',
      ...SETUP_COMMANDS.map((c) => `  ${c.name.padEnd(13)} ${c.description}`),
      '',
      'recio-agent-setup <command> --help lists its options.',
    ];
  }
  return [
    `usage: recio-agent-setup ${command.name} [options]`,
    command.description,
    '',
    ...command.options.map((o) => {
      const flag = `--${o.flag}${o.value ? ` ${o.value}` : ''}`;
      const notes = [o.required ? 'required' : undefined, o.default ? `default: ${o.default}` : undefined];
      const note = notes.filter(Boolean).join(', ');
      return `  ${flag.padEnd(28)} ${o.description}${note ? ` (${note})` : ''}`;
    }),
  ];
}

function parse(command: SetupCommand, args: string[]): SetupValues | 'help' {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const option of command.options) options[option.flag] = { type: option.value ? 'string' : 'boolean' };
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values.help === true ? 'help' : (values as SetupValues);
  } catch (error) {
    // parseArgs says what was wrong (`Unknown option '--x'`); it is the person's input, not a crash.
    throw new RecioError(ErrorCode.InvalidParams, `${(error as Error).message} (see --help)`, {}, { cause: error });
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    for (const line of usage()) print(line);
    return name === undefined ? 2 : 0;
  }
  const command = SETUP_COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `unknown command "${name}" (known: ${SETUP_COMMANDS.map((c) => c.name).join(', ')})`,
    );
  }
  const values = parse(command, args);
  if (values === 'help') {
    for (const line of usage(command)) print(line);
    return 0;
  }
  return runSetup(command.name, values, { print });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const coded = toRecioError(error);
  // A refusal we raised is said in its words; anything else with its stack, to be reported.
  const shown = isRecioError(error) ? coded.message : ((error as Error).stack ?? coded.message);
  process.stderr.write(`recio-agent-setup: ${shown}\n`);
  process.exitCode = coded.code === ErrorCode.ConfigInvalid ? 78 : coded.code === ErrorCode.InvalidParams ? 2 : 1;
}
