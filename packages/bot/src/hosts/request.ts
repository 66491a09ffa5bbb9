import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@recio/protocol/errors';
import { ActionParams, type ActionName } from '@recio/protocol/actions';
import type { HostRequest, HostResult } from './transport.js';
import { formatIssues } from '@recio/protocol/zod-issues';

let counter = 0;

/** A request id unique within the bot process, prefixed by the trace id of the delivery that caused it. */
export function newRequestId(traceId?: string): string {
  counter = (counter + 1) % 1_000_000;
  const local = `${counter.toString(36)}${randomBytes(3).toString('hex')}`;
  const prefix = traceId?.replace(/[^A-Za-z0-9_.:-]/g, '').slice(0, 60);
  return prefix ? `${prefix}.${local}` : local;
}

/** A failed result that never reached a host. */
export function refusedResult(
  host: string,
  action: ActionName,
  requestId: string,
  code: string,
  message: string,
): HostResult {
  return {
    host,
    action,
    requestId,
    ok: false,
    exitCode: 2,
    durationMs: 0,
    error: { code, message },
    output: '',
    outputTruncated: false,
    outcomeUnknown: false,
  };
}

/** The bot checks params too: a bad one is refused here, before any connection is made. */
export function checkParams(
  host: string,
  request: HostRequest,
  requestId: string,
): { params: Record<string, unknown> } | HostResult {
  const schema = ActionParams[request.action];
  if (schema === undefined)
    return refusedResult(
      host,
      request.action,
      requestId,
      ErrorCode.UnknownAction,
      `unknown action "${String(request.action)}"`,
    );
  const parsed = schema.safeParse(request.params);
  if (!parsed.success) {
    return refusedResult(
      host,
      request.action,
      requestId,
      ErrorCode.InvalidParams,
      `invalid params for ${request.action}: ${formatIssues(parsed.error).join('; ')}`,
    );
  }
  return { params: parsed.data as Record<string, unknown> };
}
