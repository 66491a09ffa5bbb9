import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { formatIssues } from '@recio/protocol/zod-issues';

export { Fleet, FleetHost, HostKeyFingerprint, HostRole } from '@recio/protocol/fleet';
import { Fleet } from '@recio/protocol/fleet';

// Empty strings count as unset: a blank line in .env must not become a value.
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const intWithDefault = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? fallback : Number(v)),
    z
      .number({ error: `expected a whole number from ${min} to ${max}` })
      .int()
      .min(min)
      .max(max),
  );

// A list of Slack ids separated by commas or spaces; a typo must fail at boot, not mean "nobody".
const memberList = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .refine(
      (v) =>
        v
          .split(/[\s,]+/)
          .filter((id) => id !== '')
          .every((id) => /^[UWS][A-Z0-9]{2,}$/.test(id)),
      {
        error: 'expected Slack user ids (U…/W…) and user-group ids (S…), separated by commas or spaces',
      },
    )
    .optional(),
);

// `alice:U123,bob:W456`: which unix user on the bot host is which Slack person, for `recio`. A typo
// must fail at boot: a user silently left out would only read, one mapped wrong would act as someone else.
const UNIX_USER = /^[a-z_][a-z0-9_.-]{0,31}$/;
const cliUsers = z.preprocess(
  (v) => (v === '' || v === undefined ? '' : v),
  z.string().transform((value, ctx) => {
    const map: Record<string, string> = {};
    for (const entry of value.split(/[\s,]+/).filter((e) => e !== '')) {
      const [user, slackId, ...rest] = entry.split(':');
      if (rest.length > 0 || !user || !UNIX_USER.test(user) || !slackId || !/^[UW][A-Z0-9]{2,}$/.test(slackId)) {
        ctx.addIssue({ code: 'custom', message: `"${entry}": expected unixuser:SlackUserId, e.g. alice:U0123ABCD` });
        continue;
      }
      if (Object.hasOwn(map, user)) ctx.addIssue({ code: 'custom', message: `${user} is mapped twice` });
      map[user] = slackId;
    }
    return map as Readonly<Record<string, string>>;
  }),
);

// A cron expression croner accepts (5 or 6 fields); checked at boot, not at 2 a.m.
const cronWithDefault = (fallback: string) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? fallback : v),
    z.string().refine((expr) => {
      try {
        new Cron(expr, { paused: true }).stop();
        return true;
      } catch {
        return false;
      }
    }, 'expected a cron expression like "0 2 * * *"'),
  );
const boolWithDefault = (fallback: boolean) =>
  z.preprocess(
    (v) =>
      v === '' || v === undefined
        ? fallback
        : v === 'true' || v === '1'
          ? true
          : v === 'false' || v === '0'
            ? false
            : v,
    z.boolean({ error: 'expected true or false' }),
  );

/** Every environment variable recio-bot reads. `.env.example` lists exactly these keys. */
export const EnvSchema = z.object({
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: optionalString,
  // 0: any free port (the log names it), as the local console runs the bot.
  PORT: intWithDefault(3000, 0, 65535),
  DATABASE_URL: optionalString,
  DATABASE_OWNER_URL: optionalString,
  RECIO_DATA_DIR: z.preprocess((v) => (v === '' || v === undefined ? './data' : v), z.string()),
  RECIO_FLEET: optionalString,
  RECIO_SSH_KEY: optionalString,
  RECIO_SSH_CONNECT_TIMEOUT_MS: intWithDefault(5_000, 100, 120_000),
  RECIO_SSH_COMMAND_TIMEOUT_MS: intWithDefault(60_000, 100, 3_600_000),
  RECIO_FANOUT_CONCURRENCY: intWithDefault(16, 1, 256),
  RECIO_AGENT_CONFIG: optionalString,
  RECIO_RUNBOOKS_DIR: z.preprocess((v) => (v === '' || v === undefined ? 'commands' : v), z.string()),
  RECIO_KALSHI_HEALTH_URL: z.preprocess(
    (v) => (v === '' || v === undefined ? 'https://api.elections.kalshi.com/trade-api/v2/exchange/status' : v),
    z.url(),
  ),
  RECIO_COINBASE_HEALTH_URL: z.preprocess(
    (v) => (v === '' || v === undefined ? 'https://api.exchange.coinbase.com/time' : v),
    z.url(),
  ),
  RECIO_WEB_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  RECIO_HTTP_TIMEOUT_MS: intWithDefault(5_000, 100, 60_000),
  RECIO_MONITOR_INTERVAL_MS: intWithDefault(10_000, 500, 3_600_000),
  RECIO_MONITOR_PUSH: boolWithDefault(true),
  RECIO_RELEASE_SETTLE_SECONDS: intWithDefault(10, 0, 600),
  RECIO_BACKUP_CRON: cronWithDefault('0 2 * * *'),
  RECIO_DOCTOR_CRON: cronWithDefault('30 7 * * *'),
  /** The quarterly drill reminder (§5): 09:00 on the first Monday of January, April, July and October. */
  RECIO_DRILL_CRON: cronWithDefault('0 9 * 1,4,7,10 1#1'),
  RECIO_SHUTDOWN_DEADLINE_MS: intWithDefault(30_000, 1_000, 600_000),
  RECIO_OPS_CHANNEL: optionalString,
  RECIO_LEAD_OPERATORS: memberList,
  RECIO_SYSTEM_ARCHITECTS: memberList,
  RECIO_SECURITY_OFFICERS: memberList,
  RECIO_CLI_USERS: cliUsers,
  RECIO_APPROVAL_TTL_MINUTES: intWithDefault(15, 1, 24 * 60),
  /** A proposed point-in-time restore target is the incident's detection time minus this many seconds. */
  RECIO_PITR_MARGIN_SECONDS: intWithDefault(60, 0, 24 * 3600),
  /** How long an untouched monitor incident stays quiet after it recovered before it resolves itself. */
  RECIO_INCIDENT_QUIET_MINUTES: z.preprocess(
    (v) => (v === '' || v === undefined ? 10 : Number(v)),
    z.number({ error: 'expected minutes from 0.05 to 1440' }).min(0.05).max(1440),
  ),
  /**
   * Minutes an approval waits before its requester may break the glass and run the step alone
   * (reviewed later); `off` disables break-glass. Decimals allowed (0 in tests).
   */
  RECIO_BREAK_GLASS_AFTER_MINUTES: z.preprocess(
    (v) => (v === '' || v === undefined ? 10 : v === 'off' ? null : Number(v)),
    z.number({ error: 'expected minutes from 0 to 1440, or off' }).min(0).max(1440).nullable(),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' || v === undefined ? 'info' : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ),
});
export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env;
  /** The hosts the bot may reach. Without a fleet file: one host named `local`, run with execa. */
  fleet: Fleet | undefined;
}

/** Reads and checks the environment and the fleet file; throws one error listing every problem. */
export function loadConfig(rawEnv: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const parsedEnv = EnvSchema.safeParse(rawEnv);
  if (!parsedEnv.success) problems.push(...formatIssues(parsedEnv.error));
  let fleet: Fleet | undefined;
  // Read the fleet even when another variable is bad, so one run lists every problem.
  const fleetPath = rawEnv.RECIO_FLEET === '' ? undefined : rawEnv.RECIO_FLEET;
  if (fleetPath !== undefined) {
    const result = loadFleetFile(fleetPath);
    if (Array.isArray(result)) problems.push(...result);
    else fleet = result;
  }
  if (fleet !== undefined && parsedEnv.success && parsedEnv.data.RECIO_SSH_KEY === undefined) {
    problems.push('RECIO_SSH_KEY: expected the path of the private key the bot uses to reach the fleet');
  }
  const glass = parsedEnv.success ? parsedEnv.data.RECIO_BREAK_GLASS_AFTER_MINUTES : null;
  if (parsedEnv.success && glass !== null && glass >= parsedEnv.data.RECIO_APPROVAL_TTL_MINUTES) {
    problems.push(
      `RECIO_BREAK_GLASS_AFTER_MINUTES: ${glass} is not under RECIO_APPROVAL_TTL_MINUTES ` +
        `(${parsedEnv.data.RECIO_APPROVAL_TTL_MINUTES}): approvals would expire before the glass could be broken`,
    );
  }
  if (problems.length > 0 || !parsedEnv.success) {
    throw new RecioError(ErrorCode.ConfigInvalid, `invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
  return { env: parsedEnv.data, fleet };
}

/** The fleet file, or the list of its problems each prefixed by the file name. */
export function loadFleetFile(path: string): Fleet | string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return [`RECIO_FLEET: cannot read ${path}: ${(error as Error).message}`];
  }
  return parseFleet(text, path);
}

export function parseFleet(text: string, fileName: string): Fleet | string[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return [`${fileName}: not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  const parsed = Fleet.safeParse(raw);
  // Name checks run on the raw hosts too, so a duplicate is reported beside any other problem.
  const names = nameProblems(raw).map((p) => `${fileName}: ${p}`);
  if (parsed.success && names.length === 0) return parsed.data;
  return [...(parsed.success ? [] : formatIssues(parsed.error, `${fileName}: `)), ...names];
}

function nameProblems(raw: unknown): string[] {
  const hosts = (raw as { hosts?: unknown } | null)?.hosts;
  if (!Array.isArray(hosts)) return [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  hosts.forEach((host: unknown, index) => {
    const name = (host as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined) problems.push(`hosts[${index}].name: duplicate of hosts[${first}].name "${name}"`);
    else seen.set(name, index);
    if (name === 'local') problems.push(`hosts[${index}].name: "local" is reserved for the bot's own host`);
  });
  return problems;
}
