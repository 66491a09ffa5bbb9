import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { argString, parseRequest, readBody, sendJson, type ParsedRequest } from '../http/read-request.js';
import type { ManualClock } from '../clock.js';
import type { RateLimiter } from '../rate-limiter.js';
import { scopesNeeded } from '../scopes.js';
import type { ApiCallRecord, Json } from '../records.js';
import { SlackApiError, type EmulatorCore, type MethodTable } from './context.js';

/**
 * One Web API call, in Slack's order: authenticate, then rate-limit, then run the method. Slack's
 * Web API answers HTTP 200 with `{ok:false, error}` for every failure except rate limiting, which is
 * HTTP 429 with `Retry-After` ("Slack's Web API doesn't use meaningful status codes besides 429
 * and 200", as @slack/web-api puts it).
 */
export async function handleApiCall(
  core: EmulatorCore,
  methods: MethodTable,
  limiter: RateLimiter,
  method: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let request: ParsedRequest;
  try {
    request = await parseRequest(req, await readBody(req));
  } catch {
    return answer(core, res, method, {}, undefined, 200, { ok: false, error: 'invalid_json' });
  }
  const { args, token } = request;
  const spec = methods[method];
  if (!spec) return answer(core, res, method, args, undefined, 200, { ok: false, error: 'unknown_method' });

  const tokenType = token === core.tokens.bot ? 'bot' : token === core.tokens.app ? 'app' : undefined;
  if (!token) return answer(core, res, method, args, undefined, 200, { ok: false, error: 'not_authed' });
  if (!tokenType) return answer(core, res, method, args, undefined, 200, { ok: false, error: 'invalid_auth' });
  if (tokenType !== spec.token) {
    return answer(core, res, method, args, tokenType, 200, { ok: false, error: 'not_allowed_token_type' });
  }

  // "The token used is not granted the specific scope permissions required": HTTP 200 with the
  // scopes needed and the ones granted, as Slack lists them.
  if (tokenType === 'bot') {
    const granted = core.manifest.botScopes;
    const missing = scopesNeeded(method, args, core.workspace).filter((s) => !granted.includes(s));
    if (missing.length > 0) {
      return answer(core, res, method, args, tokenType, 200, {
        ok: false,
        error: 'missing_scope',
        needed: missing.join(','),
        provided: granted.join(','),
      });
    }
  }

  const channelRef = argString(args, 'channel');
  const channelKey = channelRef === undefined ? undefined : (core.workspace.channel(channelRef)?.id ?? channelRef);
  const decision = limiter.take(method, spec.tier, channelKey);
  if (!decision.allowed) {
    return answer(
      core,
      res,
      method,
      args,
      tokenType,
      429,
      { ok: false, error: 'ratelimited' },
      {
        'retry-after': String(decision.retryAfterSeconds),
      },
    );
  }

  // A slow method (a Tier 2 lookup under load): on a manual clock time moves on by that much at
  // once, so a test sees a trigger_id expire deterministically; on the real clock the answer waits.
  const latency = core.latencyMs[method];
  if (latency !== undefined) {
    const clock = core.clock as Partial<ManualClock>;
    if (typeof clock.advance === 'function') clock.advance(latency);
    else await sleep(latency);
  }
  try {
    const fields = await spec.handler({ core, args, files: request.files });
    return answer(core, res, method, args, tokenType, 200, { ok: true, ...fields });
  } catch (error) {
    if (error instanceof SlackApiError) {
      return answer(core, res, method, args, tokenType, 200, { ok: false, error: error.code, ...error.extra });
    }
    const detail = error instanceof Error ? error.message : String(error);
    return answer(core, res, method, args, tokenType, 200, { ok: false, error: 'internal_error', detail });
  }
}

function answer(
  core: EmulatorCore,
  res: ServerResponse,
  method: string,
  args: Json,
  tokenType: 'bot' | 'app' | undefined,
  status: number,
  body: Json,
  headers: Record<string, string> = {},
): void {
  const call: ApiCallRecord = {
    seq: core.state.calls.length + 1,
    at: core.clock.now(),
    method,
    args,
    ...(tokenType ? { tokenType } : {}),
    httpStatus: status,
    ok: body.ok === true,
    ...(typeof body.error === 'string' ? { error: body.error } : {}),
    response: body,
  };
  core.state.calls.push(call);
  core.state.emit({ type: 'api_call', call });
  sendJson(res, status, body, headers);
}
