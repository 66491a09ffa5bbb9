import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ACTION_NAMES } from '@recio/protocol/actions';
import { AgentRequest, PROTOCOL_VERSION, type ActionResult, type AgentLine } from '@recio/protocol/messages';
import type { AgentConfig } from './agent-config.js';
import { redactDeep } from '@recio/protocol/redact';
import { secretsOf } from './agent-config.js';
import { ErrorCode } from '@recio/protocol/errors';

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

/** Parses the text that should be one JSON request; anything else is refused by what it is. */
export function parseRequestText(text: string): AgentRequest | ActionResult {
  const trimmed = text.trim();
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    // Not JSON: refused below by what it is, the way a shell line is.
    const shown = trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed;
    return {
      ok: false,
      exitCode: 2,
      durationMs: 0,
      error: {
        code: ErrorCode.InvalidRequest,
        message: `this account only runs recio-agent requests (one JSON object {v,id,action,params}); got ${JSON.stringify(shown)}`,
      },
    };
  }
  const parsed = AgentRequest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      exitCode: 2,
      durationMs: 0,
      error: {
        code: ErrorCode.InvalidRequest,
        message: `not a recio-agent request: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`,
      },
    };
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
      params: request.params,
      ok: result.ok,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      error: result.error,
    },
    secretsOf(config),
  );
  // The request has been answered already; a log that cannot be written must not turn that into a
  // failure, but it is said where the host's admin and the bot's session (its stderr tail) see it.
  await appendFile(config.auditLog, `${JSON.stringify(entry)}\n`).catch((error: unknown) => {
    process.stderr.write(`recio-agent: cannot write the audit log ${config.auditLog}: ${(error as Error).message}\n`);
  });
}
