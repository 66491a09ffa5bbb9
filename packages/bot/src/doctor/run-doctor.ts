import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { isRecioError } from '@recio/protocol/errors';
import { hostsFromConfig } from '../hosts/fleet-hosts.js';
import { loadRunbooks } from '../runbooks/loader.js';
import { loadTopology } from '../runbooks/topology.js';
import { openStore, pendingMigrations, storeOptionsFromConfig } from '../store/index.js';
import { fail, pass, type CheckResult } from './check.js';
import { checkArchiveJobs, checkRestoreTest } from './backup-job-checks.js';
import { checkLastDrill } from './drill-check.js';
import { checkHost } from './fleet-checks.js';
import { checkSlack } from './slack-check.js';

export const BACKUP_MAX_AGE_HOURS = 26;

/**
 * Everything `recio doctor` checks, in order, one result per line. Never throws: a check that
 * cannot run is itself a failed check with what to do.
 */
export async function runDoctor(env: Record<string, string | undefined>): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    const problems = isRecioError(error, 'config_invalid')
      ? ((error.context.problems as string[]) ?? [error.message])
      : [String(error)];
    return [fail('config', problems.join('; '), 'fix the listed variables in .env or the fleet file')];
  }
  const results: CheckResult[] = [
    pass(
      'config',
      `valid${config.fleet ? `, ${config.fleet.hosts.length} hosts in the fleet` : ', no fleet file (local host)'}`,
    ),
  ];
  try {
    const runbooks = loadRunbooks(resolve(config.env.RECIO_RUNBOOKS_DIR), config.env.RECIO_RUNBOOKS_DIR);
    results.push(pass('runbooks', `${runbooks.size} valid (${[...runbooks.keys()].join(', ')})`));
    // The dependencies that make one thread per cause (commands/topology.yml, or REC.IO's graph).
    const topology = loadTopology(
      resolve(config.env.RECIO_RUNBOOKS_DIR),
      config.env.RECIO_RUNBOOKS_DIR,
      new Set(runbooks.keys()),
    );
    const { causes, programs } = topology.spec;
    results.push(
      pass(
        'topology',
        `${Object.keys(causes).length} causes, ${Object.keys(programs).length} programs with their dependencies`,
      ),
    );
  } catch (error) {
    results.push(
      fail(
        'runbooks',
        isRecioError(error)
          ? ((error.context.problems as string[] | undefined) ?? [error.message]).join('; ')
          : String(error),
        'recio runbooks check lists each problem by file and path',
      ),
    );
  }
  results.push(...(await checkSlack(config)));
  // What silently breaks a recovery (issue 13): the checklist's web UI item can never go green
  // without its URL, and a role nobody holds is a gate nobody can pass.
  results.push(
    config.env.RECIO_WEB_URL
      ? pass('web url', `the checklist probes ${config.env.RECIO_WEB_URL}`)
      : fail(
          'web url',
          'RECIO_WEB_URL is not set: the checklist item "Web UI shows fresh data" can never go green',
          "set RECIO_WEB_URL to REC.IO's web UI (its /health or front page)",
        ),
  );
  const empty = (
    [
      ['lead_operator', config.env.RECIO_LEAD_OPERATORS],
      ['system_architect', config.env.RECIO_SYSTEM_ARCHITECTS],
      ['security_officer', config.env.RECIO_SECURITY_OFFICERS],
    ] as const
  ).filter(([, members]) => !members?.trim());
  results.push(
    empty.length === 0
      ? pass('roles', 'every role has at least one member')
      : fail(
          'roles',
          `no member: ${empty.map(([role]) => role).join(', ')}`,
          'set RECIO_LEAD_OPERATORS, RECIO_SYSTEM_ARCHITECTS, RECIO_SECURITY_OFFICERS (Slack user or group ids)',
        ),
  );
  try {
    const store = await openStore({ ...storeOptionsFromConfig(config), migrate: false });
    try {
      await store.ping();
      const pending = await pendingMigrations(store);
      results.push(
        pending.length === 0
          ? pass('store', `answers (${store.backend}), migrations current`)
          : fail('store', `answers, but migrations pending: ${pending.join(', ')}`, 'run recio migrate'),
      );
      if (pending.length === 0)
        results.push(await checkRestoreTest(store), await checkArchiveJobs(store), await checkLastDrill(store));
    } finally {
      await store.close();
    }
  } catch (error) {
    results.push(
      fail(
        'store',
        (error as Error).message,
        config.env.DATABASE_URL
          ? 'check DATABASE_URL and that PostgreSQL runs'
          : `check RECIO_DATA_DIR (${config.env.RECIO_DATA_DIR}) is writable`,
      ),
    );
  }
  try {
    const hosts = hostsFromConfig(config, (path) => readFileSync(path, 'utf8'));
    try {
      for (const name of hosts.names())
        results.push(...(await checkHost(hosts, name, hosts.get(name).roles, BACKUP_MAX_AGE_HOURS)));
    } finally {
      await hosts.close();
    }
  } catch (error) {
    results.push(fail('hosts', (error as Error).message, 'check RECIO_FLEET and RECIO_SSH_KEY'));
  }
  return results;
}
