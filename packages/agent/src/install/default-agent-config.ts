import { execa } from 'execa';
import { Document, isSeq } from 'yaml';
import { RECIO_PROGRAMS } from '../agent-config.js';
import { parseSupervisorStatus } from '../supervisor-status.js';
import { ServiceName } from '@recio/protocol/actions';
import { pitrConfigSection } from './pitr-setup.js';
import { resolveOnSecurePath } from './sudo-rules.js';

export const CONFIG_MARKER = '# recio-agent config, first written by `recio agent install`.';

export interface DefaultConfigInput {
  host: string;
  programs: readonly string[];
  supervisorctl: readonly string[];
  auditLog: string;
  /** --pitr: the db.pitr section (pitr-setup.ts). */
  pitr?: boolean;
}

/**
 * The config a fresh install writes: the host's programs and the plan's commands. Deterministic
 * (no dates), so a second install finds it unchanged. The one privileged command, restarting
 * PostgreSQL, is written with its absolute path, which is what the sudoers line allows.
 */
export function defaultAgentConfigText(input: DefaultConfigInput): string {
  const systemctl = resolveOnSecurePath('systemctl') ?? '/usr/bin/systemctl';
  const doc = new Document({
    host: input.host,
    services: [...input.programs],
    supervisorctl: [...input.supervisorctl],
    db: {
      status: [systemctl, 'is-active', 'postgresql'],
      restart: ['sudo', '-n', systemctl, 'restart', 'postgresql'],
      ...(input.pitr ? { pitr: pitrConfigSection(systemctl) } : {}),
    },
    auditLog: input.auditLog,
  });
  // argv arrays read best on one line, the way the plan writes commands.
  const pitrPaths = ['pgbackrest', 'stop', 'start'].map((k) => ['db', 'pitr', k]);
  for (const path of [['supervisorctl'], ['db', 'status'], ['db', 'restart'], ...pitrPaths]) {
    const node = doc.getIn(path, true);
    if (isSeq(node)) node.flow = true;
  }
  const body = doc.toString({ lineWidth: 0 });
  return [
    CONFIG_MARKER,
    '# It decides what each action runs and which services the bot may touch; the bot cannot change it.',
    "# Every other setting has the plan's default (see the agent config reference). After changing a",
    '# command that starts with sudo, run `recio agent install` again: it rewrites the sudoers drop-in.',
    body,
  ].join('\n');
}

export interface DetectedPrograms {
  programs: string[];
  /** Where the list came from, for the install's output. */
  source: string;
}

/**
 * The programs supervisord runs here (`supervisorctl status`, run as root by the install), or the
 * six REC.IO programs when supervisor cannot be asked. Exit 3 is supervisorctl's "some program is
 * not running": still a list.
 */
export async function detectPrograms(supervisorctl: readonly string[]): Promise<DetectedPrograms> {
  const [file, ...args] = supervisorctl;
  const fallback = (why: string): DetectedPrograms => ({
    programs: [...RECIO_PROGRAMS],
    source: `the six REC.IO programs (${why})`,
  });
  if (file === undefined) return fallback('no supervisorctl');
  const result = await execa(file, [...args, 'status'], { reject: false, timeout: 15_000 });
  if (result.failed && result.exitCode !== 3)
    return fallback(`supervisorctl status: ${firstLine(result.stderr || result.stdout || result.shortMessage || '')}`);
  const names = parseSupervisorStatus(result.stdout)
    .programs.map((p) => p.name)
    .filter((name) => ServiceName.safeParse(name).success);
  if (names.length === 0) return fallback('supervisorctl status listed no programs');
  return { programs: [...new Set(names)], source: `supervisorctl status (${names.length} programs)` };
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
