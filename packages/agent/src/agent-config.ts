import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { ServiceName, TableName } from '@recio/protocol/actions';
import { formatIssues } from '@recio/protocol/zod-issues';
import {
  BackupsSection,
  ConfigBackupSection,
  DeploySection,
  HistorySection,
  RestoreSection,
  SupervisordSection,
  ScratchSection,
} from './agent-config-sections.js';
import { Argv } from './argv-template.js';

/** The REC.IO v2 programs the plan names; a host's admin lists what this host runs. */
export const RECIO_PROGRAMS = [
  'trade_manager',
  'trade_executor',
  'active_trade_supervisor',
  'auto_entry_supervisor',
  'kalshi_api_watchdog',
  'btc_price_watchdog',
] as const;

/**
 * The host agent's own config, written by the host's admin (`RECIO_AGENT_CONFIG` or `--config`).
 * The bot cannot change it: it decides which services may be touched and what each action runs.
 * Defaults are the plan's commands.
 */
export const AgentConfigSchema = z.strictObject({
  host: z.string().optional(),
  services: z.array(ServiceName).default([...RECIO_PROGRAMS]),
  supervisorctl: Argv.default(['supervisorctl']),
  supervisord: SupervisordSection,
  db: z
    .strictObject({
      status: Argv.default(['systemctl', 'is-active', 'postgresql']),
      restart: Argv.default(['sudo', '-n', 'systemctl', 'restart', 'postgresql']),
      psql: Argv.default(['psql', '-X']),
      /**
       * The probes (db.status, db.tables, db.freshness) share one long-lived psql per agent session
       * instead of starting psql and logging in per probe. false: a psql per probe, as before.
       */
      probeSession: z.boolean().default(true),
      pgDump: Argv.default(['pg_dump']),
      /**
       * pg_restore into the live database (restores) and for reading a dump's table of contents.
       * `postgresql://` with nothing after it takes the database from PGDATABASE, like psql's default.
       */
      pgRestore: Argv.default(['pg_restore', '--dbname=postgresql://']),
      expectedTables: z.array(TableName).default([]),
      /** Feeds whose freshness the checklist probes: name → table and timestamp column. */
      feeds: z
        .record(z.string().regex(/^[a-z][a-z0-9_]{0,30}$/), z.strictObject({ table: TableName, column: TableName }))
        .default({}),
      /** Extra environment for psql/pg_dump (PGPASSWORD...). Values are redacted from all output. */
      env: z.record(z.string(), z.string()).default({}),
      restore: RestoreSection,
      scratch: ScratchSection,
    })
    .prefault({}),
  backups: BackupsSection,
  configBackup: ConfigBackupSection,
  history: HistorySection,
  deploy: DeploySection,
  /** Where the supervisord event listener (recio-event-listener) appends process state changes. */
  events: z.strictObject({ spool: z.string().min(1).default('/var/lib/recio-agent/events.jsonl') }).prefault({}),
  /** Strings that must never leave the host in output (passwords, tokens). */
  secrets: z.array(z.string().min(4)).default([]),
  /** Where the agent appends one JSON line per request it refused or ran. */
  auditLog: z.string().optional(),
  /** Cap on output kept per request; the rest is counted, not sent. */
  maxOutputBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * Clean-up (dropping a scratch database, removing a partial file) runs even after the request's
   * deadline or cancel, bounded by this instead: leaving it undone costs more than a few seconds.
   */
  cleanupTimeoutMs: z.number().int().min(1000).max(300_000).default(15_000),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export function parseAgentConfig(text: string, fileName: string): AgentConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      `${fileName}: not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = AgentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error, `${fileName}: `);
    throw new RecioError(ErrorCode.ConfigInvalid, `invalid agent config:\n  ${problems.join('\n  ')}`, { problems });
  }
  return parsed.data;
}

export function loadAgentConfig(path: string | undefined): AgentConfig {
  if (path === undefined) return AgentConfigSchema.parse({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RecioError(ErrorCode.ConfigInvalid, `cannot read agent config ${path}: ${(error as Error).message}`);
  }
  return parseAgentConfig(text, path);
}

/** Everything in the config that must be scrubbed from output before it leaves the host. */
export function secretsOf(config: AgentConfig): string[] {
  const fromEnv = [...Object.entries(config.db.env), ...Object.entries(config.backups.offsiteEnv)]
    .filter(([key]) => /pass|secret|token|key|credential/i.test(key))
    .map(([, value]) => value);
  const socketPassword = config.supervisord.password === undefined ? [] : [config.supervisord.password];
  return [...config.secrets, ...fromEnv, ...socketPassword].filter((s) => s.length >= 4);
}
