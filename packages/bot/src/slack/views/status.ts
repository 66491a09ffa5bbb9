import type { Program } from '../../domain/index.js';
import type { HostResult } from '../../hosts/transport.js';
import { context, escapeText, fallbackText, header, section, sectionsOf, type Block } from './kit.js';

const STATE_EMOJI: Record<string, string> = {
  RUNNING: ':large_green_circle:',
  STARTING: ':large_yellow_circle:',
  STOPPING: ':large_yellow_circle:',
  BACKOFF: ':red_circle:',
  FATAL: ':red_circle:',
  EXITED: ':red_circle:',
  STOPPED: ':white_circle:',
  UNKNOWN: ':grey_question:',
};

function programsOf(result: HostResult): Program[] {
  const programs = (result.data as { programs?: Program[] } | undefined)?.programs;
  return Array.isArray(programs) ? programs : [];
}

/** `🟢 `trade_executor` *RUNNING* — pid 42, up 0:03:10`; a program in trouble says why. */
export function programLine(p: Program): string {
  const detail =
    p.state === 'RUNNING'
      ? `pid ${p.pid ?? '?'}${p.uptime ? `, up ${escapeText(p.uptime)}` : ''}`
      : escapeText(p.description ?? '');
  const emoji = STATE_EMOJI[p.state] ?? ':grey_question:';
  return `${emoji} \`${escapeText(p.name)}\` *${p.state}*${detail ? ` — ${detail}` : ''}`;
}

/** Programs not running first (that is what a person looks for), then by name. */
export function troubleFirst(programs: readonly Program[]): Program[] {
  return [...programs].sort(
    (a, b) => Number(a.state === 'RUNNING') - Number(b.state === 'RUNNING') || a.name.localeCompare(b.name),
  );
}

/** `/recio status`: every host × every supervisor program, trouble first, within one message. */
export function renderStatus(results: HostResult[]): { text: string; blocks: Block[] } {
  const blocks: Block[] = [header('REC.IO status')];
  let down = 0;
  const perHost = Math.max(1, Math.floor(44 / Math.max(1, results.length)));
  for (const result of results) {
    if (!result.ok) {
      down += 1;
      blocks.push(
        section(
          `:x: *${escapeText(result.host)}* — could not read status: ${escapeText(result.error?.message ?? 'failed')}`,
        ),
      );
      continue;
    }
    const programs = troubleFirst(programsOf(result));
    const bad = programs.filter((p) => p.state !== 'RUNNING').length;
    down += bad;
    blocks.push(
      ...sectionsOf(
        [
          `*${escapeText(result.host)}* — ${programs.length - bad}/${programs.length} running`,
          ...programs.map(programLine),
        ],
        perHost,
      ),
    );
  }
  if (blocks.length > 49)
    blocks.splice(
      48,
      blocks.length - 48,
      section(`_… ${results.length} hosts in all; ask for one with \`/recio status <host>\`_`),
    );
  blocks.push(
    context(
      down === 0 ? ':white_check_mark: Everything is running.' : `:warning: ${down} problem${down === 1 ? '' : 's'}.`,
    ),
  );
  return {
    text: fallbackText(down === 0 ? 'REC.IO status: everything is running' : `REC.IO status: ${down} problem(s)`),
    blocks,
  };
}
