#!/usr/bin/env node
import { ErrorCode, isRecioError } from '@recio/protocol/errors';
import { SESSION_ACTION, type ActionResult, type AgentLine } from '@recio/protocol/messages';
import { type AgentConfig, loadAgentConfig } from './agent-config.js';
import { dispatch } from './dispatch.js';
import { boundedLines, idInHead, type BoundedLine } from './line-reader.js';
import { runSession } from './session.js';
import { auditOnHost, oversizeRefusal, parseRequestText } from './wire.js';

/**
 * recio-agent: the SSH forced command on each host. It reads one JSON request from
 * SSH_ORIGINAL_COMMAND (or the first line of stdin), runs it, and answers in JSON lines.
 * Whatever else arrives — `ssh host id`, a shell line, a bad param — is refused and nothing runs.
 */
const write = (line: AgentLine): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

function configPath(argv: string[]): string | undefined {
  const index = argv.indexOf('--config');
  return index >= 0 ? argv[index + 1] : process.env.RECIO_AGENT_CONFIG;
}

// A client that opens a channel and says nothing must not hold a process on the host forever.
const FIRST_LINE_TIMEOUT_MS = 10_000;

async function readFirstLine(): Promise<BoundedLine> {
  const timer = setTimeout(() => process.stdin.destroy(), FIRST_LINE_TIMEOUT_MS);
  try {
    for await (const line of boundedLines(process.stdin)) return line;
    return { text: '' };
  } catch (error) {
    // The timer above destroyed stdin: a silent client gets the empty line's refusal.
    if (process.stdin.destroyed) return { text: '' };
    throw error;
  } finally {
    clearTimeout(timer);
    process.stdin.destroy();
  }
}

async function main(): Promise<number> {
  let config: AgentConfig;
  try {
    config = loadAgentConfig(configPath(process.argv.slice(2)));
  } catch (error) {
    const message = isRecioError(error) ? error.message : String(error);
    write({
      type: 'result',
      id: 'unknown',
      ok: false,
      exitCode: 2,
      durationMs: 0,
      error: { code: ErrorCode.ConfigInvalid, message },
    });
    return 2;
  }
  const first: BoundedLine =
    process.env.SSH_ORIGINAL_COMMAND === undefined ? await readFirstLine() : { text: process.env.SSH_ORIGINAL_COMMAND };
  if ('oversize' in first) {
    // Refused unread, before any parsing; logged by its size and first bytes only.
    const id = idInHead(first.head);
    const refusal = oversizeRefusal(first.oversize);
    write({ type: 'result', id, ...refusal });
    await auditOnHost(config, { id, action: 'oversize', params: { bytes: first.oversize, head: first.head } }, refusal);
    return refusal.exitCode;
  }
  const text = first.text;
  const request = parseRequestText(text);
  if (!('action' in request)) {
    write({ type: 'result', id: 'unknown', ...request });
    await auditOnHost(
      config,
      { action: 'invalid', params: { bytes: Buffer.byteLength(text), text: text.slice(0, 200) } },
      request,
    );
    return request.exitCode;
  }
  if (request.action === SESSION_ACTION) {
    await runSession(process.stdin, write, config);
    return 0;
  }
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGHUP', () => controller.abort());
  const result: ActionResult = await dispatch(request, config, {
    signal: controller.signal,
    onChunk: (stream, data) => write({ type: 'chunk', id: request.id, stream, data }),
  });
  write({ type: 'result', id: request.id, ...result });
  await auditOnHost(config, request, result);
  return result.ok ? 0 : result.exitCode || 1;
}

process.exitCode = await main();
