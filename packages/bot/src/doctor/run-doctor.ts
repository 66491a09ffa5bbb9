import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { isRecioError } from '@recio/protocol/errors';
import { hostsFromConfig } from '../hosts/fleet-hosts.js';
import { loadRunbooks } from '../runbooks/loader.js';
import { openStore, pendingMigrations, type Store, storeOptionsFromConfig } from '../store/index.js';
import { fail, pass, type CheckResult } from './check.js';
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
      if (pending.length === 0) results.push(await checkRestoreTest(store));
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

/** The nightly restore test's verdict, as the incidents it opened say it (scheduler/restore-test.ts). */
async function checkRestoreTest(store: Store): Promise<CheckResult> {
  const failing = (await store.incidents.listUnresolved()).filter((i) => i.fingerprint.startsWith('restore-test:'));
  if (failing.length === 0) return pass('restore test', 'no open "backups cannot be restored" incident');
  return fail(
    'restore test',
    failing.map((i) => `${i.title} (since ${i.openedAt.toISOString()})`).join('; '),
    "the incident's thread names the dump and the error; take a new dump (/recio backup now) and check it restores",
  );
}
