import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { redactSecrets } from '@recio/protocol/redact';
import { CENSOR, scrubValue } from './scrub.js';

export type { Logger } from 'pino';
export type LogLevel = Level | 'silent';

/**
 * Fields censored by pino's own redaction, at the top level and one level down (`req.headers`...).
 * The scrub pass in `formatters.log` covers any depth and any key that merely looks secret; this
 * list is the cheap, certain first line for the keys we know we pass around.
 */
export const REDACT_KEYS = [
  'token',
  'botToken',
  'appToken',
  'password',
  'passwd',
  'secret',
  'signingSecret',
  'authorization',
  'cookie',
  'privateKey',
  'private_key',
  'DATABASE_URL',
  'databaseUrl',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'PGPASSWORD',
] as const;

export const REDACT_PATHS: string[] = [
  ...REDACT_KEYS,
  ...REDACT_KEYS.map((key) => `*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout (fd 1) when absent. Tests pass a stream that collects them. */
  destination?: DestinationStream;
  /** Secret values known at start (the tokens from the environment): scrubbed verbatim wherever they appear. */
  knownSecrets?: readonly string[];
  /** Bound into every line, e.g. `{ service: 'recio-bot' }`. */
  base?: Record<string, unknown>;
}

/**
 * JSON logs whose every line has been through the redaction list: pino's `redact` for known keys,
 * then a scrub of every string (message, fields, error messages and stacks, child bindings) for
 * Slack tokens, PEM keys and connection strings with passwords.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = [...(options.knownSecrets ?? [])].filter((s) => s.length >= 4);
  const scrub = (value: unknown) => scrubValue(value, secrets);
  const scrubText = (text: string) => redactSecrets(text, secrets);
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      // formatters.log runs before serializers, so errors arrive here still as Error objects.
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrub(object) as Record<string, unknown>,
        bindings: (bindings) => scrub(bindings) as Record<string, unknown>,
      },
      // pino's default err serializer would treat our already-scrubbed plain object as an error of type "Object".
      serializers: { err: scrub },
      hooks: {
        logMethod(args, method) {
          method.apply(this, scrubArgs(args, scrubText) as Parameters<typeof method>);
        },
      },
    },
    // Synchronous: the lines just before a crash are the ones that matter, and a chat-ops bot logs little.
    options.destination ?? pino.destination({ fd: 1, sync: true }),
  );
  // Children are Object.create(parent): they inherit this, so childFor finds the secrets from any depth.
  Object.defineProperty(logger, KNOWN_SECRETS, { value: secrets });
  return logger;
}

const KNOWN_SECRETS = Symbol('recio.knownSecrets');

/**
 * The message is not part of the object `formatters.log` sees, and when none is given pino takes
 * it from `err.message` unscrubbed: so messages are scrubbed here, and an error's message is
 * supplied (scrubbed) before pino reaches for the raw one.
 */
function scrubArgs(args: unknown[], scrubText: (text: string) => string): unknown[] {
  const [first, ...rest] = args;
  const scrubbedRest = rest.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
  if (typeof first === 'string') return [scrubText(first), ...scrubbedRest];
  if (first instanceof Error) {
    return [{ err: first }, ...(scrubbedRest.length > 0 ? scrubbedRest : [scrubText(first.message)])];
  }
  if (first !== null && typeof first === 'object' && typeof scrubbedRest[0] !== 'string') {
    const err = (first as { err?: unknown }).err;
    if (err instanceof Error && (first as { msg?: unknown }).msg === undefined)
      return [first, scrubText(err.message), ...scrubbedRest];
  }
  return [first, ...scrubbedRest];
}

/** Bindings every line about one Slack delivery carries, so its SSH calls and audit rows can be found together. */
export interface RequestBindings {
  requestId: string;
  runId?: string;
  stepId?: string;
  host?: string;
  user?: string;
  [key: string]: unknown;
}

/**
 * A child logger with these bindings in every line. Use this rather than `logger.child`: pino runs
 * `formatters.bindings` for the root logger only, so bindings are scrubbed here.
 */
export function childFor(logger: Logger, bindings: RequestBindings): Logger {
  const secrets = (logger as unknown as Record<symbol, readonly string[] | undefined>)[KNOWN_SECRETS] ?? [];
  return logger.child(scrubValue(bindings, secrets) as Record<string, unknown>);
}
