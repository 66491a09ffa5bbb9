#!/usr/bin/env node
import { createInterface } from 'node:readline';
import { ErrorCode, isRecioError } from '@recio/protocol/errors';
import { SESSION_ACTION, type ActionResult, type AgentLine } from '@recio/protocol/messages';
import { type AgentConfig, loadAgentConfig } from './agent-config.js';
import { dispatch } from './dispatch.js';
import { runSession } from './session.js';
import { auditOnHost, parseRequestText } from './wire.js';

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

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const timer = setTimeout(() => lines.close(), FIRST_LINE_TIMEOUT_MS);
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    clearTimeout(timer);
    lines.close();
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
  const text = process.env.SSH_ORIGINAL_COMMAND ?? (await readFirstLine());
  const request = parseRequestText(text);
  if (!('action' in request)) {
    write({ type: 'result', id: 'unknown', ...request });
    await auditOnHost(config, { action: 'invalid', params: { text: text.slice(0, 200) } }, request);
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
