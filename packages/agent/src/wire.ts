import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ACTION_NAMES } from '@recio/protocol/actions';
import { AgentRequest, PROTOCOL_VERSION, type ActionResult, type AgentLine } from '@recio/protocol/messages';
import type { AgentConfig } from './agent-config.js';
import { redactDeep } from '@recio/protocol/redact';
import { secretsOf } from './agent-config.js';
import { ErrorCode } from '@recio/protocol/errors';
import { MAX_REQUEST_LINE_BYTES } from './line-reader.js';

export const AGENT_VERSION = '0.1.0';

export type WriteLine = (line: AgentLine) => void;

export function helloLine(config: AgentConfig): AgentLine {
  return {
    type: 'hello',
    v: PROTOCOL_VERSION,
    agentVersion: AGENT_VERSION,
    host: config.host ?? hostname(),
    actions: [...ACTION_NAMES],
  };
}

/** A request refused before any action ran: exit code 2, as for a usage error. */
function invalidRequest(message: string): ActionResult {
  return { ok: false, exitCode: 2, durationMs: 0, error: { code: ErrorCode.InvalidRequest, message } };
}

/** The answer to a request line over the cap; it was never parsed. */
export function oversizeRefusal(bytes: number): ActionResult {
  return invalidRequest(
    `request line of ${bytes} bytes refused unread: the limit is ${MAX_REQUEST_LINE_BYTES / 1024} KiB`,
  );
}

/** Params and messages in the host's audit log are cut to this: a line per request, never a flood. */
export const MAX_AUDIT_FIELD_CHARS = 2048;

function cutForAudit(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value) ?? '';
  if (text.length <= MAX_AUDIT_FIELD_CHARS) return value;
  return { cut: true, chars: text.length, head: text.slice(0, MAX_AUDIT_FIELD_CHARS) };
}

/** Parses the text that should be one JSON request; anything else is refused by what it is. */
export function parseRequestText(text: string): AgentRequest | ActionResult {
  if (Buffer.byteLength(text) > MAX_REQUEST_LINE_BYTES) return oversizeRefusal(Buffer.byteLength(text));
  const trimmed = text.trim();
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    // Not JSON: refused below by what it is, the way a shell line is.
    const shown = trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed;
    return invalidRequest(
      'this account only runs recio-agent requests (one JSON object {v,id,action,params}); ' +
        `got ${JSON.stringify(shown)}`,
    );
  }
  const parsed = AgentRequest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const why = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
    return invalidRequest(`not a recio-agent request: ${why}`);
  }
  return parsed.data;
}

/** One JSON line per request on the host, refused or run: what the bot asked, from where, and how it ended. */
export async function auditOnHost(
  config: AgentConfig,
  request: Partial<AgentRequest>,
  result: ActionResult,
): Promise<void> {
  if (config.auditLog === undefined) return;
  const entry = redactDeep(
    {
      at: new Date().toISOString(),
      from: process.env.SSH_CLIENT?.split(' ')[0] ?? 'local',
      id: request.id,
      action: request.action,
      params: cutForAudit(request.params),
      ok: result.ok,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      error: result.error && {
        code: result.error.code,
        message: result.error.message.slice(0, MAX_AUDIT_FIELD_CHARS),
      },
    },
    secretsOf(config),
  );
  // The request has been answered already; a log that cannot be written must not turn that into a
  // failure, but it is said where the host's admin and the bot's session (its stderr tail) see it.
  await appendFile(config.auditLog, `${JSON.stringify(entry)}\n`).catch((error: unknown) => {
    process.stderr.write(`recio-agent: cannot write the audit log ${config.auditLog}: ${(error as Error).message}\n`);
  });
}
