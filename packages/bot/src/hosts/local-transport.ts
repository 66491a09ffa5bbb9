import type { AgentConfig } from '@recio/agent/agent-config';
import { dispatch } from '@recio/agent/dispatch';
import type { ActionName } from '@recio/protocol/actions';
import { PROTOCOL_VERSION } from '@recio/protocol/messages';
import { checkParams, newRequestId } from './request.js';
import type { HostRequest, HostResult, RunOptions, Transport } from './transport.js';

export interface LocalTransportOptions {
  agentConfig: AgentConfig;
  commandTimeoutMs: number;
}

/**
 * The bot's own host, named `local`: the agent's actions run in-process with execa, under the same
 * agent config rules (service allowlist, argv arrays) as on a remote host.
 */
export class LocalTransport implements Transport {
  readonly host = 'local';

  constructor(private readonly options: LocalTransportOptions) {}

  async run<A extends ActionName>(request: HostRequest<A>, options: RunOptions = {}): Promise<HostResult> {
    const requestId = newRequestId(options.traceId);
    const checked = checkParams(this.host, request, requestId);
    if ('ok' in checked) return checked;
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    const budget = { output: '', left: this.options.agentConfig.maxOutputBytes, truncated: false };
    try {
      const result = await dispatch(
        {
          v: PROTOCOL_VERSION,
          id: requestId,
          action: request.action,
          params: checked.params,
          timeoutMs: options.deadlineMs ?? this.options.commandTimeoutMs,
        },
        this.options.agentConfig,
        {
          signal: controller.signal,
          onChunk: (stream, data) => {
            const kept = data.slice(0, Math.max(0, budget.left));
            budget.output += kept;
            budget.left -= kept.length;
            if (kept.length < data.length) budget.truncated = true;
            options.onChunk?.(stream, data);
          },
        },
      );
      return {
        host: this.host,
        action: request.action,
        requestId,
        ...result,
        output: budget.output,
        outputTruncated: budget.truncated,
        outcomeUnknown: result.timedOut === true,
      };
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  async close(): Promise<void> {
    // Nothing to close: the actions run in this process, each ends with its own request.
  }
}
