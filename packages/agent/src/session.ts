import type { Readable } from 'node:stream';
import { CancelRequest, SESSION_ACTION } from '@recio/protocol/messages';
import type { AgentConfig } from './agent-config.js';
import { dispatch } from './dispatch.js';
import { boundedLines, idInHead } from './line-reader.js';
import { auditOnHost, helloLine, oversizeRefusal, parseRequestText, type WriteLine } from './wire.js';
import { ErrorCode } from '@recio/protocol/errors';

/**
 * Session mode: one SSH channel carries many requests, each answered by id. The bot keeps this
 * channel open in its pool, so a request costs the action alone — no SSH handshake, no login
 * shell, no Node start per request.
 */
export async function runSession(input: Readable, write: WriteLine, config: AgentConfig): Promise<void> {
  write(helloLine(config));
  const inFlight = new Map<string, AbortController>();
  const finished: Promise<void>[] = [];
  for await (const line of boundedLines(input)) {
    if ('oversize' in line) {
      // Refused unread: neither parsed nor kept, and logged by its size and first bytes only.
      const id = idInHead(line.head);
      const refusal = oversizeRefusal(line.oversize);
      write({ type: 'result', id, ...refusal });
      await auditOnHost(config, { id, action: 'oversize', params: { bytes: line.oversize, head: line.head } }, refusal);
      continue;
    }
    const text = line.text;
    if (text.trim() === '') continue;
    const cancel = CancelRequest.safeParse(safeJson(text));
    if (cancel.success) {
      inFlight.get(cancel.data.cancel)?.abort();
      continue;
    }
    const request = parseRequestText(text);
    if (!('action' in request)) {
      write({ type: 'result', id: idOf(text), ...request });
      continue;
    }
    if (request.action === SESSION_ACTION || inFlight.has(request.id)) {
      const message =
        request.action === SESSION_ACTION ? 'already in a session' : `request id ${request.id} is already running`;
      write({
        type: 'result',
        id: request.id,
        ok: false,
        exitCode: 2,
        durationMs: 0,
        error: { code: ErrorCode.InvalidRequest, message },
      });
      continue;
    }
    const controller = new AbortController();
    inFlight.set(request.id, controller);
    finished.push(
      dispatch(request, config, {
        signal: controller.signal,
        onChunk: (stream, data) => write({ type: 'chunk', id: request.id, stream, data }),
      }).then(async (result) => {
        inFlight.delete(request.id);
        write({ type: 'result', id: request.id, ...result });
        await auditOnHost(config, request, result);
      }),
    );
  }
  // The bot hung up: let what was started finish (a restart cut in half is worse), bounded by its timeout.
  await Promise.all(finished);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: not a cancel line either; parseRequestText refuses it by what it is.
    return undefined;
  }
}

function idOf(text: string): string {
  const raw = safeJson(text) as { id?: unknown } | undefined;
  return typeof raw?.id === 'string' && /^[A-Za-z0-9_.:-]{1,80}$/.test(raw.id) ? raw.id : 'unknown';
}
