/** A supervisord process-state event, as the listener writes it to the spool (one JSON line). */
export interface ProcessEvent {
  at: string;
  event: 'PROCESS_STATE_FATAL' | 'PROCESS_STATE_BACKOFF' | 'PROCESS_STATE_EXITED' | string;
  process: string;
  group: string;
  from: string;
  /** For EXITED: whether the exit code was one the program config expects. */
  expected?: boolean;
  pid?: number;
}

/** `processname:cat groupname:cat from_state:RUNNING expected:0 pid:2766` → fields. */
export function parseTokens(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const token of text.trim().split(/\s+/)) {
    const colon = token.indexOf(':');
    if (colon > 0) fields[token.slice(0, colon)] = token.slice(colon + 1);
  }
  return fields;
}

export function toProcessEvent(header: Record<string, string>, payload: string, at = new Date()): ProcessEvent {
  const body = parseTokens(payload.split('\n')[0] ?? '');
  return {
    at: at.toISOString(),
    event: header.eventname ?? 'UNKNOWN',
    process: body.processname ?? '',
    group: body.groupname ?? '',
    from: body.from_state ?? '',
    ...(body.expected !== undefined ? { expected: body.expected === '1' } : {}),
    ...(body.pid !== undefined ? { pid: Number(body.pid) } : {}),
  };
}
