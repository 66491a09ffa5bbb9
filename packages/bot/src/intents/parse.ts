import { BackupFileName, ConfigArchiveName, RestoreDirName, ServiceName, TableName } from '@recio/protocol/actions';
import type { Intent, ParseResult, Vocabulary } from './intent.js';
import { closestMatch, didYouMean } from './suggest.js';

export const COMMAND_WORDS = [
  'help',
  'status',
  'restart',
  'start',
  'stop',
  'tail',
  'run',
  'rollback',
  'restore',
  'checklist',
  'incident',
  'report',
  'backup',
  'drill',
] as const;

/** A release tag as git prints it; never starts with `-`, so it can never be read as an option. */
export const RELEASE_TAG = /^v?[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;
const INCIDENT_REF = /^[0-9a-f]{8}(?:-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/i;
const MAX_TITLE = 150;
const MAX_TAIL_LINES = 5000;

const fail = (message: string): ParseResult => ({ ok: false, message });
const ok = (intent: Intent): ParseResult => ({ ok: true, intent });

/** `trade_executor on db1` → the service, and the host if `on <host>` follows. */
function serviceAndHost(
  words: string[],
  verb: string,
  vocabulary: Vocabulary,
): { service: string; host?: string; rest: string[] } | string {
  const [service, ...rest] = words;
  if (service === undefined)
    return `Which service? \`/recio ${verb} <service>\` — one of ${codeList(vocabulary.services)}.`;
  if (!ServiceName.safeParse(service).success || !vocabulary.services.includes(service)) {
    return unknownWord('service', service, vocabulary.services);
  }
  const onAt = rest.indexOf('on');
  if (onAt === -1) return { service, rest };
  const host = rest[onAt + 1];
  if (host === undefined) return `\`on\` needs a host: one of ${vocabulary.hosts.join(', ')}.`;
  if (!vocabulary.hosts.includes(host)) return unknownWord('host', host, vocabulary.hosts);
  return { service, host, rest: [...rest.slice(0, onAt), ...rest.slice(onAt + 2)] };
}

/** `backup restore config_2026-11-26_031500.tar.age [into compare] [on app1]`: names checked before anything runs. */
function parseBackupRestore(words: string[], vocabulary: Vocabulary): ParseResult {
  const usage =
    'Usage: `/recio backup restore <config archive> [into <dir>] [on <host>]` (`/recio backup list` names them).';
  const [file, ...rest] = words;
  if (file === undefined) return fail(usage);
  if (!ConfigArchiveName.safeParse(file).success)
    return fail(`\`${clip(file)}\` is not a config archive name (config_YYYY-MM-DD_HHMMSS.tar.age). ${usage}`);
  const intent: Extract<Intent, { kind: 'backup_restore' }> = { kind: 'backup_restore', file };
  for (let i = 0; i < rest.length; i += 2) {
    const [word, value] = [rest[i]!, rest[i + 1]];
    if (word === 'into' && value !== undefined && intent.into === undefined) {
      if (!RestoreDirName.safeParse(value).success)
        return fail(`\`${clip(value)}\` is not a directory name: one word (letters, digits, _ . -), not a path.`);
      intent.into = value;
    } else if (word === 'on' && value !== undefined && intent.host === undefined) {
      if (!vocabulary.hosts.includes(value)) return fail(unknownWord('host', value, vocabulary.hosts));
      intent.host = value;
    } else return fail(usage);
  }
  return ok(intent);
}

/** A word echoed back to Slack: escaped as Slack's mrkdwn requires, so it can never become a mention or a link. */
function clip(word: string): string {
  const safe = word.replace(/`/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return safe.length > 40 ? `${safe.slice(0, 40)}…` : safe;
}

/** "Unknown <what> `word`." with a suggestion when one is close, else the known words. */
function unknownWord(what: string, word: string, known: readonly string[]): string {
  return `Unknown ${what} \`${clip(word)}\`.${didYouMean(word, known) || ` Known: ${known.join(', ')}.`}`;
}

/** The known words in code spans: `a`, `b`. */
function codeList(words: readonly string[]): string {
  return words.map((w) => `\`${w}\``).join(', ');
}

function extraWords(rest: string[], usage: string): string | undefined {
  return rest.length === 0 ? undefined : `Unexpected \`${clip(rest.join(' '))}\`. Usage: \`/recio ${usage}\`.`;
}

/** Parses the text after `/recio` (or after an `@recio` mention) into an intent, or a short, specific answer. */
export function parseCommand(text: string, vocabulary: Vocabulary): ParseResult {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [first, ...rest] = words;
  const verb = first?.toLowerCase();
  switch (verb) {
    case undefined:
    case 'help':
      return ok(rest[0] ? { kind: 'help', topic: rest[0].toLowerCase() } : { kind: 'help' });
    case 'status': {
      if (rest.length > 1) return fail(extraWords(rest.slice(1), 'status [host]')!);
      const host = rest[0];
      if (host === undefined) return ok({ kind: 'status' });
      if (!vocabulary.hosts.includes(host)) return fail(unknownWord('host', host, vocabulary.hosts));
      return ok({ kind: 'status', host });
    }
    case 'restart':
    case 'start':
    case 'stop': {
      const parsed = serviceAndHost(rest, verb, vocabulary);
      if (typeof parsed === 'string') return fail(parsed);
      const extra = extraWords(parsed.rest, `${verb} <service> [on <host>]`);
      if (extra) return fail(extra);
      return ok({ kind: verb, service: parsed.service, ...(parsed.host ? { host: parsed.host } : {}) });
    }
    case 'tail': {
      const parsed = serviceAndHost(rest, verb, vocabulary);
      if (typeof parsed === 'string') return fail(parsed);
      const [count, ...more] = parsed.rest;
      const lines = count === undefined ? 50 : Number(count);
      if (!Number.isInteger(lines) || lines < 1 || lines > MAX_TAIL_LINES) {
        return fail(`\`${clip(count ?? '')}\` is not a line count: use a whole number from 1 to ${MAX_TAIL_LINES}.`);
      }
      const extra = extraWords(more, 'tail <service> [lines] [on <host>]');
      if (extra) return fail(extra);
      return ok({ kind: 'tail', service: parsed.service, lines, ...(parsed.host ? { host: parsed.host } : {}) });
    }
    case 'run':
    case 'drill': {
      const dryRun = rest.includes('--dry-run');
      const [scenario, ...more] = rest.filter((w) => w !== '--dry-run');
      if (scenario === undefined)
        return fail(`Which scenario? \`/recio ${verb} <scenario>\` — one of ${codeList(vocabulary.scenarios)}.`);
      if (!vocabulary.scenarios.includes(scenario)) {
        return fail(unknownWord('scenario', scenario, vocabulary.scenarios));
      }
      // One value may follow a runbook that takes a parameter: `run service-crash trade_executor`.
      const [value, ...beyond]: Array<string | undefined> = verb === 'run' ? more : [undefined, ...more];
      const extra = extraWords(beyond as string[], `${verb} <scenario>${verb === 'run' ? ' [value] [--dry-run]' : ''}`);
      if (extra) return fail(extra);
      // A colon for a UTC time (`run pitr-restore 2026-11-27T16:59:59Z`); still never an option.
      if (value !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/.test(value))
        return fail(`\`${clip(value)}\` is not a service name, release tag or UTC time.`);
      return ok(
        verb === 'run' ? { kind: 'run', scenario, dryRun, ...(value ? { value } : {}) } : { kind: 'drill', scenario },
      );
    }
    case 'rollback': {
      const [tag, ...more] = rest;
      if (tag === undefined) return ok({ kind: 'rollback' });
      if (!RELEASE_TAG.test(tag))
        return fail(`\`${clip(tag)}\` is not a release tag (letters, digits, \`. _ -\`, not starting with \`-\`).`);
      const extra = extraWords(more, 'rollback [<tag>]');
      return extra ? fail(extra) : ok({ kind: 'rollback', tag });
    }
    case 'restore':
      return parseRestore(rest);
    case 'checklist':
      return rest.length ? fail(extraWords(rest, 'checklist')!) : ok({ kind: 'checklist' });
    case 'incident':
      return parseIncident(rest);
    case 'report': {
      const [ref, ...more] = rest;
      if (ref !== undefined && !INCIDENT_REF.test(ref))
        return fail(`\`${clip(ref)}\` is not an incident id (the 8-character id shown in the thread).`);
      const extra = extraWords(more, 'report [id]');
      if (extra) return fail(extra);
      return ok(ref ? { kind: 'report', incidentId: ref.toLowerCase() } : { kind: 'report' });
    }
    case 'backup': {
      const [what, ...more] = rest;
      if (what === 'now' && more.length === 0) return ok({ kind: 'backup_now' });
      if (what === 'list' && more.length === 0) return ok({ kind: 'backup_list' });
      if (what === 'config' && more.length === 0) return ok({ kind: 'backup_config' });
      if (what === 'history' && more.length === 0) return ok({ kind: 'backup_history' });
      if (what === 'restore') return parseBackupRestore(more, vocabulary);
      const words = ['now', 'list', 'config', 'history', 'restore'];
      return fail(
        `Usage: \`/recio backup now|list|config|history\` or ` +
          `\`/recio backup restore <config archive> [into <dir>] [on <host>]\`.${what ? didYouMean(what, words) : ''}`,
      );
    }
    default: {
      const guess = closestMatch(verb, COMMAND_WORDS) ?? closestMatch(verb, vocabulary.services);
      const hint =
        guess === undefined
          ? ''
          : vocabulary.services.includes(guess)
            ? ` Did you mean \`restart ${guess}\`?`
            : ` Did you mean \`${guess}\`?`;
      return fail(`Unknown command \`${clip(verb)}\`.${hint} Try \`/recio help\`.`);
    }
  }
}

function parseIncident(rest: string[]): ParseResult {
  const [sub, ...more] = rest;
  // Words after `close` are the reason, asked for when the checklist is not green.
  if (sub === 'close')
    return ok(more.length ? { kind: 'incident_close', reason: more.join(' ') } : { kind: 'incident_close' });
  if (sub !== 'open')
    return fail(
      'Usage: `/recio incident open [--security] <title>` or `/recio incident close`.' +
        (sub ? didYouMean(sub, ['open', 'close']) : ''),
    );
  const security = more.includes('--security');
  const title = more
    .filter((w) => w !== '--security')
    .join(' ')
    .trim();
  if (title === '') return fail('An incident needs a title: `/recio incident open <title>`.');
  if (title.length > MAX_TITLE) return fail(`The title is ${title.length} characters; keep it under ${MAX_TITLE}.`);
  return ok({ kind: 'incident_open', title, security });
}

/**
 * `restore [<dump file> [<table>…]]`: the file as the agent names dumps, the tables as PostgreSQL
 * names them (whether the dump holds them is the host's to say, before anyone is asked to approve).
 */
function parseRestore(words: string[]): ParseResult {
  const [file, ...tables] = words;
  if (file === undefined) return ok({ kind: 'restore' });
  if (!BackupFileName.safeParse(file).success)
    return fail(`\`${clip(file)}\` is not a dump file name (\`db_2026-11-26.sql\`; \`/recio restore\` lists them).`);
  const bad = tables.find((t) => !TableName.safeParse(t).success);
  if (bad !== undefined) return fail(`\`${clip(bad)}\` is not a table name (lower-case letters, digits, \`_\`).`);
  if (tables.length > 100) return fail('At most 100 tables in one restore.');
  return ok({ kind: 'restore', file, ...(tables.length > 0 ? { tables: [...new Set(tables)] } : {}) });
}
