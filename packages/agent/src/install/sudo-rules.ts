import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * Config entries the agent runs exactly as written. Every other argv in the agent config is a
 * prefix the agent appends arguments to (`supervisorctl` + `restart <name>`, `psql` + `-c …`) or a
 * template with `{placeholders}`: no sudoers line without wildcards can cover those, so a `sudo`
 * in front of them is refused rather than widened.
 */
export const WHOLE_ARGV_PATHS: ReadonlySet<string> = new Set([
  'db.status',
  'db.restart',
  'db.pitr.stop',
  'db.pitr.start',
]);

/**
 * db.pitr.pgbackrest is a prefix the agent appends exactly one of three tails to (db.pitr.ts): two
 * fixed, so exact rules; the restore's carries the target time, so its rule is an anchored regular
 * expression (sudo >= 1.9.10) that admits only a UTC time in pgBackRest's form there.
 */
const PGBACKREST_PATH = 'db.pitr.pgbackrest';
const PGBACKREST_TAILS = [['info', '--output=json'], ['check']];
const PITR_TIME = '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}\\:[0-9]{2}\\:[0-9]{2}(\\.[0-9]{1,3})?\\+00';

/** Debian's `secure_path`: where sudo itself looks up a command given without a path. */
export const SUDO_SECURE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** One privileged command the agent runs: who it runs as, the absolute program and its exact arguments. */
export interface SudoRule {
  runAs: string;
  command: string;
  args: string[];
  /** Where in the agent config it came from (`db.restart`). */
  source: string;
  /** Instead of exact `args`: the arguments as one anchored sudoers regular expression (`^…$`). */
  regex?: string;
}

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/;
// Characters an argument may have in a sudoers line; those in ESCAPED need a backslash there.
const ARG = /^[A-Za-z0-9_./@%+=:,-]+$/;
const ESCAPED = /[=:,]/g;

export type ResolveCommand = (name: string) => string | undefined;

/** Looks a bare program name up the way sudo does, along secure_path. */
export const resolveOnSecurePath: ResolveCommand = (name) => {
  for (const dir of SUDO_SECURE_PATH) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: next directory
    }
  }
  return undefined;
};

/** Every string array in a value, with its dotted path (`db.restart`, `backups.offsite`). */
function argvsIn(value: unknown, path: string[] = []): Array<{ path: string; argv: string[] }> {
  if (Array.isArray(value)) {
    return value.length > 0 && value.every((v) => typeof v === 'string')
      ? [{ path: path.join('.'), argv: value as string[] }]
      : [];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => argvsIn(inner, [...path, key]));
  }
  return [];
}

const isSudo = (program: string | undefined) => program === 'sudo' || (program?.endsWith('/sudo') ?? false);

/**
 * The sudo rules an agent config needs: one per argv that starts with `sudo`, with the program's
 * absolute path and its exact arguments. Throws `config_invalid` listing every entry that cannot
 * be allowed exactly.
 */
export function sudoRulesFor(config: unknown, resolve: ResolveCommand = resolveOnSecurePath): SudoRule[] {
  const rules: SudoRule[] = [];
  const problems: string[] = [];
  const pitrOn = (config as { db?: { pitr?: { enabled?: boolean } } }).db?.pitr?.enabled === true;
  for (const { path, argv } of argvsIn(config)) {
    if (!isSudo(argv[0])) continue;
    // The db.pitr commands are run only when PITR is set up: their defaults grant nothing until then.
    if (path.startsWith('db.pitr.') && !pitrOn) continue;
    if (path === PGBACKREST_PATH) {
      try {
        rules.push(...pgbackrestRules(parseSudoArgv(argv.slice(1), resolve)));
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
      continue;
    }
    if (!WHOLE_ARGV_PATHS.has(path)) {
      problems.push(
        `${path}: ${JSON.stringify(argv)} runs with arguments the agent adds (or placeholders it fills), ` +
          'so sudo cannot be limited to one exact command; ' +
          "give the agent's user the access itself (e.g. the supervisor socket's group, a database role) " +
          'instead of sudo',
      );
      continue;
    }
    try {
      rules.push({ ...parseSudoArgv(argv.slice(1), resolve), source: path });
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      `the agent config asks for sudo in ways a sudoers drop-in cannot allow exactly:\n  ${problems.join('\n  ')}`,
      { problems },
    );
  }
  return rules;
}

function pgbackrestRules(prefix: Omit<SudoRule, 'source'>): SudoRule[] {
  const exact = PGBACKREST_TAILS.map((tail) => ({
    ...prefix,
    args: [...prefix.args, ...tail],
    source: PGBACKREST_PATH,
  }));
  // Each argument is regex-escaped, then sudoers-escaped (`:` and `,` end a field there even inside a regex).
  const literal = (arg: string) => arg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[:,]/g, (c) => `\\${c}`);
  const tail = ['--delta', '--type=time', `--target=${PITR_TIME}`, '--target-action=promote', 'restore'];
  const regex = `^${[...prefix.args.map(literal), ...tail.map((t, i) => (i === 2 ? t : literal(t)))].join(' ')}$`;
  return [...exact, { ...prefix, args: [], regex, source: PGBACKREST_PATH }];
}

function parseSudoArgv(rest: string[], resolve: ResolveCommand): Omit<SudoRule, 'source'> {
  let runAs = 'root';
  let index = 0;
  for (; index < rest.length; index += 1) {
    const arg = rest[index] as string;
    if (arg === '--') {
      index += 1;
      break;
    }
    if (!arg.startsWith('-')) break;
    if (arg === '-n' || arg === '--non-interactive') continue;
    if (arg === '-u' || arg === '--user') {
      runAs = rest[index + 1] ?? '';
      index += 1;
      continue;
    }
    if (arg.startsWith('--user=')) {
      runAs = arg.slice('--user='.length);
      continue;
    }
    throw new RecioError(ErrorCode.ConfigInvalid, `sudo option ${arg} is not supported here (only -n and -u <user>)`);
  }
  if (!USER_NAME.test(runAs))
    throw new RecioError(ErrorCode.ConfigInvalid, `sudo -u expects a user name, got ${JSON.stringify(runAs)}`);
  const [program, ...args] = rest.slice(index);
  if (program === undefined) throw new RecioError(ErrorCode.ConfigInvalid, 'sudo without a command');
  const command = program.startsWith('/') ? program : resolve(program);
  if (command === undefined)
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      `${program} is not on sudo's secure_path (${SUDO_SECURE_PATH.join(':')}); write its absolute path`,
    );
  if (!/^\/[A-Za-z0-9_./+-]+$/.test(command) || command.split('/').includes('..'))
    throw new RecioError(ErrorCode.ConfigInvalid, `unusable program path ${JSON.stringify(command)}`);
  for (const arg of args) {
    if (!ARG.test(arg))
      throw new RecioError(
        ErrorCode.ConfigInvalid,
        `argument ${JSON.stringify(arg)} has characters a sudoers rule cannot match exactly ` +
          '(allowed: letters, digits and _ . / @ % + = : , -)',
      );
  }
  return { runAs, command, args };
}

/**
 * `recio ALL=(root) NOPASSWD: /usr/bin/systemctl restart postgresql`. A command with no arguments
 * gets `""`: in sudoers a bare command means "with any arguments".
 */
export function renderSudoRule(user: string, rule: Pick<SudoRule, 'runAs' | 'command' | 'args' | 'regex'>): string {
  if (rule.regex !== undefined) return `${user} ALL=(${rule.runAs}) NOPASSWD: ${rule.command} ${rule.regex}`;
  const args = rule.args.length === 0 ? '""' : rule.args.map((a) => a.replace(ESCAPED, (c) => `\\${c}`)).join(' ');
  return `${user} ALL=(${rule.runAs}) NOPASSWD: ${rule.command} ${args}`;
}

export const SUDOERS_MARKER = '# Written by `recio agent install`';

/** The whole drop-in: a header naming its source, then one line per distinct rule. */
export function renderSudoers(user: string, rules: readonly SudoRule[], configPath: string): string {
  const lines = [...new Set(rules.map((rule) => renderSudoRule(user, rule)))];
  return [
    `${SUDOERS_MARKER} from ${configPath}: exactly the privileged`,
    '# commands recio-agent runs, nothing else. Change the config, then run the install again.',
    ...lines,
    '',
  ].join('\n');
}

/** sudo skips files in sudoers.d whose name has a dot or ends in ~: such a drop-in would silently do nothing. */
export function checkSudoersFileName(path: string): void {
  const name = path.split('/').at(-1) ?? '';
  if (path.includes('/sudoers.d/') && (name.includes('.') || name.endsWith('~'))) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `sudo ignores ${path}: a file in sudoers.d must have no "." and not end in "~"`,
    );
  }
}
