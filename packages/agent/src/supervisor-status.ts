/** One line of `supervisorctl status`, parsed. */
export interface ProgramStatus {
  name: string;
  state: ProgramState;
  pid: number | null;
  /** As supervisorctl prints it (`0:01:05`, `2 days, 3:04:05`), or null when not running. */
  uptime: string | null;
  uptimeSeconds: number | null;
  /** The rest of the line: `Exited too quickly (process log may have details)`, a stop date... */
  description: string;
}

export const PROGRAM_STATES = [
  'STOPPED',
  'STARTING',
  'RUNNING',
  'BACKOFF',
  'STOPPING',
  'EXITED',
  'FATAL',
  'UNKNOWN',
] as const;
export type ProgramState = (typeof PROGRAM_STATES)[number];

/** States after which supervisord will not bring the program back by itself. */
export const FAILED_STATES: ReadonlySet<ProgramState> = new Set(['FATAL', 'BACKOFF', 'EXITED']);

const LINE = new RegExp(`^(\\S+)\\s+(${PROGRAM_STATES.join('|')})\\b\\s*(.*)$`);
const RUNNING_DETAIL = /^pid (\d+), uptime ((?:(\d+) days?, )?(\d+):(\d{2}):(\d{2}))/;

/**
 * Parses `supervisorctl status` output. Lines that are not program lines (errors such as
 * `foo: ERROR (no such process)`, connection refusals) are returned separately so a caller can tell
 * "no programs" from "could not ask".
 */
export function parseSupervisorStatus(text: string): { programs: ProgramStatus[]; unparsed: string[] } {
  const programs: ProgramStatus[] = [];
  const unparsed: string[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trimEnd();
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) {
      unparsed.push(line);
      continue;
    }
    const [, name = '', state = 'UNKNOWN', description = ''] = match;
    const running = RUNNING_DETAIL.exec(description);
    programs.push({
      name,
      state: state as ProgramState,
      pid: running ? Number(running[1]) : null,
      uptime: running ? (running[2] ?? null) : null,
      uptimeSeconds: running
        ? Number(running[3] ?? 0) * 86_400 + Number(running[4]) * 3_600 + Number(running[5]) * 60 + Number(running[6])
        : null,
      description,
    });
  }
  return { programs, unparsed };
}

/** One entry of supervisord's `getAllProcessInfo`, the fields supervisorctl's status line is made of. */
export interface ProcessInfo {
  name: string;
  group: string;
  statename: string;
  description: string;
}

const isProcessInfo = (value: unknown): value is ProcessInfo => {
  const v = value as Partial<ProcessInfo> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.group === 'string' &&
    typeof v.statename === 'string' &&
    typeof v.description === 'string'
  );
};

/**
 * `getAllProcessInfo`'s answer as the lines supervisorctl would print for it (`group:name` when the
 * group is not the program's own, then the state, then supervisord's description), parsed by the
 * same parser: both paths give the same ProgramStatus by construction. Undefined: not that answer.
 */
export function statusFromProcessInfo(value: unknown): { programs: ProgramStatus[]; unparsed: string[] } | undefined {
  if (!Array.isArray(value) || !value.every(isProcessInfo)) return undefined;
  const lines = value.map((info) => {
    const name = info.group === info.name ? info.name : `${info.group}:${info.name}`;
    return `${name} ${info.statename} ${info.description}`;
  });
  return parseSupervisorStatus(lines.join('\n'));
}
