import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import type { TestDatabase } from '../support/pg-database.js';
import { opensshArgs, type TestHost } from '../support/test-host.js';

/** A transport to a test host's agent, as the bot opens it. */
export function transportTo(host: TestHost): SshTransport {
  return new SshTransport({
    host: host.fleetHost,
    privateKey: host.clientKey.privateKey,
    connectTimeoutMs: 3_000,
    commandTimeoutMs: 60_000,
  });
}

/** The agent config's db section reaching a test database: its clients, the tables a dump must hold, scratch. */
export function dbSection(db: TestDatabase, expectedTables: string[]) {
  return { psql: db.psql, pgDump: db.pgDump, pgRestore: db.pgRestore, expectedTables, scratch: db.scratch };
}

/**
 * Merges `patch` into the host's agent config file (one level deep per section). The agent reads
 * its config when a connection starts, so the caller opens a new transport afterwards.
 */
export async function patchAgentConfig(host: TestHost, patch: Record<string, Record<string, unknown>>): Promise<void> {
  const config = parse(await readFile(host.agentConfigPath, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(patch)) config[section] = { ...(config[section] ?? {}), ...values };
  await writeFile(host.agentConfigPath, stringify(config));
}

/** A request sent straight through OpenSSH, as someone holding the key (not the bot) could send it. */
export async function rawRequest(
  host: TestHost,
  request: unknown,
): Promise<{ exitCode: number; result: Record<string, unknown> }> {
  const run = await execa('ssh', [...opensshArgs(host), JSON.stringify(request)], { reject: false, stdin: 'ignore' });
  const last = run.stdout.trim().split('\n').at(-1) ?? '{}';
  return { exitCode: run.exitCode ?? -1, result: JSON.parse(last) as Record<string, unknown> };
}

/** Strings every string param of every action is tried with: shell, option and path injection. */
export function injections(marker: string): string[] {
  return [
    `v1; touch ${marker}`,
    `db_2026-01-01.sql; touch ${marker}`,
    `$(touch ${marker})`,
    `--upload-pack=touch ${marker}`,
    '-v1',
    '../../etc/passwd',
    'db_2026-01-01.sql/../../../etc/passwd',
    'db_2026-01-01.sql\n',
    '',
  ];
}
