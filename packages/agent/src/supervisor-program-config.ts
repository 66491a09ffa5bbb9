import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * What supervisord itself waits for when it starts a program: a start counts once the process has
 * stayed up `startsecs`; a start that dies sooner is retried `startretries` times, the n-th retry
 * after n seconds of BACKOFF, then FATAL. The agent derives its own waits from these instead of
 * guessing how long a program takes (see `settleBudgetSeconds`).
 */
export interface ProgramLimits {
  startsecs: number;
  startretries: number;
  stopwaitsecs: number;
  /** The file the numbers came from, or `supervisord defaults` when no config names the program. */
  source: string;
}

// supervisord's documented defaults (supervisord.org, [program:x] section).
const DEFAULTS = { startsecs: 1, startretries: 3, stopwaitsecs: 10 } as const;

/** Where supervisord looks when started without -c (supervisord.org, "Configuration File"). */
const STANDARD_PATHS = ['/etc/supervisor/supervisord.conf', '/etc/supervisord.conf', '/etc/supervisor.conf'];

interface IniSection {
  name: string;
  values: Map<string, string>;
}

/** ConfigParser-style sections: `key = value` or `key: value`; `;`/`#` full-line and ` ;` inline comments. */
export function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s;.*$/, '').trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = { name: header[1]!.trim(), values: new Map() };
      sections.push(current);
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair && current) current.values.set(pair[1]!.toLowerCase(), pair[2]!);
  }
  return sections;
}

/** `[include] files = conf.d/*.conf other.conf`: globs with `*`/`?` in the file name, relative to the file. */
function includedFiles(configPath: string, pattern: string): string[] {
  const out: string[] = [];
  for (const entry of pattern.split(/\s+/).filter((p) => p !== '')) {
    const path = isAbsolute(entry) ? entry : resolve(dirname(configPath), entry);
    const name = basename(path);
    if (!/[*?]/.test(name)) {
      out.push(path);
      continue;
    }
    const re = new RegExp(
      `^${name
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    try {
      for (const file of readdirSync(dirname(path)).sort()) if (re.test(file)) out.push(join(dirname(path), file));
    } catch {
      // supervisord skips an include glob that matches nothing; so does this.
    }
  }
  return out;
}

function readSections(path: string, seen: Set<string>): { file: string; section: IniSection }[] {
  if (seen.has(path)) return [];
  seen.add(path);
  const sections = parseIni(readFileSync(path, 'utf8'));
  const out = sections.map((section) => ({ file: path, section }));
  for (const section of sections) {
    const files = section.name === 'include' ? section.values.get('files') : undefined;
    if (files === undefined) continue;
    for (const file of includedFiles(path, files)) {
      try {
        out.push(...readSections(file, seen));
      } catch {
        // An unreadable include: its programs fall back to the defaults, which the result names.
      }
    }
  }
  return out;
}

/** The config file supervisorctl was pointed at (`-c path`, `--configuration=path`), else the standard ones. */
export function supervisordConfigCandidates(supervisorctl: readonly string[]): string[] {
  for (let i = 0; i < supervisorctl.length; i++) {
    const arg = supervisorctl[i]!;
    if ((arg === '-c' || arg === '--configuration') && supervisorctl[i + 1] !== undefined)
      return [supervisorctl[i + 1]!];
    if (arg.startsWith('--configuration=')) return [arg.slice('--configuration='.length)];
  }
  return STANDARD_PATHS;
}

/** The config supervisord would read: the first candidate that can be read, with its includes. */
function readFirstConfig(
  supervisorctl: readonly string[],
): { candidate: string; sections: { file: string; section: IniSection }[] } | undefined {
  for (const candidate of supervisordConfigCandidates(supervisorctl)) {
    try {
      return { candidate, sections: readSections(candidate, new Set()) };
    } catch {
      // Missing or unreadable: supervisord would go on to the next place too.
    }
  }
  return undefined;
}

const int = (value: string | undefined, fallback: number) => {
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
};

/** The program's limits from supervisord's config (its includes too); the defaults when none names it. */
export function programLimits(supervisorctl: readonly string[], program: string): ProgramLimits {
  const config = readFirstConfig(supervisorctl);
  if (config === undefined) return { ...DEFAULTS, source: 'supervisord defaults (no readable supervisord config)' };
  const found = config.sections.find(({ section }) => section.name === `program:${program}`);
  if (found === undefined)
    return { ...DEFAULTS, source: `supervisord defaults (${program} not in ${config.candidate})` };
  const v = found.section.values;
  return {
    startsecs: int(v.get('startsecs'), DEFAULTS.startsecs),
    startretries: int(v.get('startretries'), DEFAULTS.startretries),
    stopwaitsecs: int(v.get('stopwaitsecs'), DEFAULTS.stopwaitsecs),
    source: found.file,
  };
}

/**
 * The longest supervisord can take to decide a start, from its own rules: each of the
 * 1 + startretries attempts lasts under startsecs (or it would be RUNNING), the n-th BACKOFF waits
 * n seconds, and supervisord looks at its programs about once a second (one tick per transition).
 */
export function decideBudgetSeconds(limits: ProgramLimits): number {
  const attempts = limits.startretries + 1;
  const backoff = (limits.startretries * (limits.startretries + 1)) / 2;
  return attempts * (limits.startsecs + 1) + backoff;
}

/** Where recio-event-listener is set up in supervisord's config, or why it is not (for `recio doctor`). */
export type EventListenerSetup = { installed: true; section: string; file: string } | { installed: false; why: string };

/**
 * Whether supervisord runs our event listener: an `[eventlistener:x]` whose command writes to this
 * agent's spool and which listens for PROCESS_STATE_FATAL. Without it a crash is seen only at the
 * monitor's next round, and nothing says so.
 */
export function eventListenerSetup(supervisorctl: readonly string[], spool: string): EventListenerSetup {
  const config = readFirstConfig(supervisorctl);
  if (config === undefined) return { installed: false, why: 'no readable supervisord config' };
  const listeners = config.sections.filter(({ section }) => section.name.startsWith('eventlistener:'));
  const ours = listeners.find(({ section }) => (section.values.get('command') ?? '').includes(`--spool ${spool}`));
  if (ours === undefined) {
    const others = listeners.map(({ section }) => section.name).join(', ');
    return {
      installed: false,
      why: `no [eventlistener:…] writes ${spool} in ${config.candidate}${others ? ` (has ${others})` : ''}`,
    };
  }
  if (!(ours.section.values.get('events') ?? '').includes('PROCESS_STATE_FATAL'))
    return {
      installed: false,
      why: `[${ours.section.name}] in ${ours.file} does not listen for PROCESS_STATE_FATAL`,
    };
  return { installed: true, section: ours.section.name, file: ours.file };
}
