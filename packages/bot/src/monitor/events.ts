import type { ProcessEvent } from '@recio/agent/supervisor-events';
import type { Failure } from '../incidents/failure.js';

const STATE_OF: Record<string, string> = {
  PROCESS_STATE_FATAL: 'FATAL',
  PROCESS_STATE_BACKOFF: 'BACKOFF',
  PROCESS_STATE_EXITED: 'EXITED',
};

/**
 * Lines from `events.follow` → program failures. An EXITED the program's config expects (a clean
 * stop) is not a failure; events for programs the monitor does not watch are ignored.
 */
export function parseEventLines(text: string, host: string, watched: readonly string[]): Failure[] {
  const failures: Failure[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: ProcessEvent;
    try {
      event = JSON.parse(line) as ProcessEvent;
    } catch {
      continue;
    }
    const state = STATE_OF[event.event];
    if (state === undefined || !watched.includes(event.process) || (state === 'EXITED' && event.expected !== false))
      continue;
    failures.push({
      kind: 'program',
      host,
      subject: event.process,
      state,
      detail: `${event.process} went ${state} on ${host} (from ${event.from}, supervisord event at ${event.at})`,
    });
  }
  return failures;
}
