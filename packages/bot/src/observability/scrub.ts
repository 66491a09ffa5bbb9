import { redactSecrets } from '@recio/protocol/redact';

export const CENSOR = '[redacted]';

/**
 * Keys whose value is a secret whatever it looks like: a password has no recognisable shape, so
 * its field name is all we have. Matched case-insensitively anywhere in the key
 * (`SLACK_BOT_TOKEN`, `signingSecret`, `PGPASSWORD`, `authorization`).
 */
const SECRET_KEY =
  /token|secret|passw(or)?d|^pass$|authorization|cookie|private_?key|api_?key|database_?url|credential/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

// Logs are for people: a deeper structure than this is cut rather than walked forever.
const MAX_DEPTH = 8;

/**
 * A copy of a log value with secrets scrubbed: secret-named keys censored, every string passed
 * through `redactSecrets`. Errors keep their name, message, stack and code (JSON.stringify would
 * drop them all), each scrubbed: a stack trace quotes connection strings and tokens as readily as
 * a message does.
 */
export function scrubValue(
  value: unknown,
  knownSecrets: readonly string[] = [],
  depth = 0,
  seen = new WeakSet<object>(),
): unknown {
  if (typeof value === 'string') return redactSecrets(value, knownSecrets);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  if (value instanceof Error) return scrubError(value, knownSecrets, depth, seen);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, knownSecrets, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && inner !== undefined && inner !== null
        ? CENSOR
        : scrubValue(inner, knownSecrets, depth + 1, seen);
  }
  return out;
}

function scrubError(
  error: Error,
  knownSecrets: readonly string[],
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: redactSecrets(error.message, knownSecrets),
    stack: error.stack === undefined ? undefined : redactSecrets(error.stack, knownSecrets),
  };
  for (const [key, inner] of Object.entries(error)) {
    out[key] = isSecretKey(key) ? CENSOR : scrubValue(inner, knownSecrets, depth + 1, seen);
  }
  if (error.cause !== undefined) out.cause = scrubValue(error.cause, knownSecrets, depth + 1, seen);
  return out;
}
