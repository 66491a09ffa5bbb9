/** What a failed Web API call means for a message that must still arrive. */
export type SlackFailure =
  | { kind: 'permanent'; error: string }
  | { kind: 'rate_limited'; error: string; retryAfterSeconds: number }
  | { kind: 'transient'; error: string };

/** Slack errors that no retry will fix: the channel, the message or the token is wrong. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'no_text',
  'restricted_action',
  'user_not_in_channel',
  'invalid_arguments',
  'not_allowed_token_type',
  'user_not_found',
]);

/** Reads @slack/web-api's error classes by their `code` (their classes are not exported as values we rely on). */
export function classifySlackError(error: unknown): SlackFailure {
  const e = error as {
    code?: string;
    data?: { error?: string };
    retryAfter?: number;
    message?: string;
    original?: { message?: string };
  };
  if (e?.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string') {
    return PERMANENT.has(e.data.error)
      ? { kind: 'permanent', error: e.data.error }
      : { kind: 'transient', error: e.data.error };
  }
  if (e?.code === 'slack_webapi_rate_limited_error')
    return { kind: 'rate_limited', error: 'ratelimited', retryAfterSeconds: e.retryAfter ?? 1 };
  // With rejectRateLimitedCalls off, the client waits out each 429 itself; when its retries run
  // out, the last Retry-After is only in the message.
  const text = `${e?.message ?? ''} ${e?.original?.message ?? ''}`;
  const retryAfter = /retry-after: (\d+)/.exec(text)?.[1];
  if (retryAfter !== undefined)
    return { kind: 'rate_limited', error: 'ratelimited', retryAfterSeconds: Number(retryAfter) };
  return { kind: 'transient', error: (e?.message ?? String(error)).slice(0, 300) };
}
