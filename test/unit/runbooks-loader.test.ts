import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, test } from 'vitest';
import { isRecioError } from '@recio/protocol/errors';
import { loadRunbooks } from '@recio/bot/runbooks/loader';
import { planRun } from '@recio/bot/runbooks/plan';
import { repeatableAfterCrash } from '@recio/protocol/actions';
import { ownedTempDirSync } from '../support/leftovers.js';

const COMMANDS = resolve(import.meta.dirname, '../../commands');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function copyOfCommands(): string {
  const dir = ownedTempDirSync('commands');
  dirs.push(dir);
  cpSync(COMMANDS, dir, { recursive: true });
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadRunbooks(dir, 'commands');
  } catch (error) {
    if (isRecioError(error, 'config_invalid')) return error.context.problems as string[];
    throw error;
  }
  throw new Error('expected the runbooks to be refused');
}

describe('commands/*.yml', () => {
  test("the plan's six runbooks and pitr-restore load and plan", () => {
    const runbooks = loadRunbooks(COMMANDS);
    expect([...runbooks.keys()].sort()).toEqual([
      'backup',
      'bad-release',
      'pitr-restore',
      'postgres-failure',
      'provider-outage',
      'service-crash',
      'verify',
    ]);
    const fleet = { withRole: () => ['db1'] };
    expect(
      planRun(runbooks.get('postgres-failure')!, {}, fleet)
        .map((s) => s.title)
        .slice(-6),
    ).toEqual([
      // §1.1 after the outage: the watchdogs if they fell over, before auto_entry_supervisor trades on their feeds.
      'Start kalshi_api_watchdog if the outage left it down',
      'Start btc_price_watchdog if the outage left it down',
      'Restart trade_manager',
      'Restart trade_executor',
      'Restart active_trade_supervisor',
      'Restart auto_entry_supervisor',
    ]);
    expect(planRun(runbooks.get('bad-release')!, { tag: 'v2.3.1' }, fleet)[1]).toMatchObject({
      action: 'deploy.rollback',
      params: { tag: 'v2.3.1' },
      approval: 'second_person',
    });
    expect(() => planRun(runbooks.get('service-crash')!, {}, fleet)).toThrow('service-crash needs `service`');
    // Without a time the target stays open: the bot proposes it from the incident when approval is asked.
    const pitr = runbooks.get('pitr-restore')!;
    expect(planRun(pitr, {}, fleet)[1]).toMatchObject({ action: 'db.pitr.restore', params: { target: null } });
    expect(planRun(pitr, { target: '2026-11-27T16:59:59Z' }, fleet)[1]).toMatchObject({
      params: { target: '2026-11-27T16:59:59Z' },
      approval: 'second_person',
    });
  });

  test('a misspelt action stops start-up with the file and the path', () => {
    const dir = copyOfCommands();
    const path = join(dir, 'service-crash.yml');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('action: service.restart', 'action: servce.restart'));
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(/^commands\/service-crash\.yml: steps\[1\]\.action: unknown action "servce\.restart"/),
    ]);
  });

  test('bad params, a bad condition, a wrong id and broken YAML are each named', () => {
    const dir = copyOfCommands();
    writeFileSync(
      join(dir, 'backup.yml'),
      'id: backup\ntitle: x\nsteps:\n' +
        '  - { id: a, title: A, role: db, action: service.restart, params: { service: "x; rm -rf /" } }\n',
    );
    writeFileSync(
      join(dir, 'verify.yml'),
      'id: verify\ntitle: x\nsteps:\n' +
        '  - { id: a, title: A, action: check.web, when: { step: later, outcome: failed } }\n',
    );
    writeFileSync(
      join(dir, 'bad-release.yml'),
      'id: rollback\ntitle: x\nsteps:\n  - { id: a, title: A, action: check.web }\n',
    );
    writeFileSync(join(dir, 'provider-outage.yml'), 'id: [unclosed\n');
    const problems = problemsOf(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^commands\/backup\.yml: steps\[0\]\.params\.service: expected a program name/),
        'commands/verify.yml: steps[0].when.step: "later" is not an earlier step',
        'commands/bad-release.yml: id: "rollback" must match the file name "bad-release"',
        expect.stringMatching(/^commands\/provider-outage\.yml: not valid YAML/),
      ]),
    );
  });
});

describe("a step's approval and idempotent flag against its action's traits", () => {
  test(
    'a dangerous action without a second person, ' + 'and idempotent on a change, are refused by file, step and rule',
    () => {
      const dir = copyOfCommands();
      const path = join(dir, 'postgres-failure.yml');
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace('approval: second_person', 'approval: none\n    idempotent: true'));
      writeFileSync(
        join(dir, 'service-crash.yml'),
        'id: service-crash\ntitle: x\nsteps:\n' +
          '  - { id: look, title: L, role: app, action: service.status, idempotent: true }\n' +
          '  - { id: bounce, title: B, role: app, action: service.restart, ' +
          'params: { service: x }, idempotent: true }\n' +
          '  - { id: back, title: R, role: app, action: deploy.rollback, ' +
          'params: { tag: v1.0.0 }, approval: confirm }\n',
      );
      expect(problemsOf(dir).sort()).toEqual([
        'commands/postgres-failure.yml: steps[3] (restore): db.restore changes the host: it must not be ' +
          '`idempotent: true` (recovery would run it again) [rule mutating-not-idempotent]',
        'commands/postgres-failure.yml: steps[3] (restore): db.restore is dangerous: it needs ' +
          '`approval: second_person` [rule dangerous-needs-second-person]',
        'commands/service-crash.yml: steps[1] (bounce): service.restart changes the host: it must not be ' +
          '`idempotent: true` (recovery would run it again) [rule mutating-not-idempotent]',
        'commands/service-crash.yml: steps[2] (back): deploy.rollback is dangerous: it needs ' +
          '`approval: second_person` [rule dangerous-needs-second-person]',
      ]);
    },
  );

  test('crash recovery re-runs only a declared-idempotent step whose action changes nothing', () => {
    expect(repeatableAfterCrash({ action: 'db.restore', idempotent: true })).toBe(false);
    expect(repeatableAfterCrash({ action: 'deploy.rollback', idempotent: true })).toBe(false);
    expect(repeatableAfterCrash({ action: 'service.restart', idempotent: true })).toBe(false);
    expect(repeatableAfterCrash({ action: 'service.status', idempotent: false })).toBe(false);
    expect(repeatableAfterCrash({ action: 'service.status', idempotent: true })).toBe(true);
    expect(repeatableAfterCrash({ action: 'check.providers', idempotent: true })).toBe(true);
  });
});

describe('recio runbooks check', () => {
  test('exits non-zero and prints file, step and rule for a restore anyone could run', async () => {
    const dir = copyOfCommands();
    const path = join(dir, 'postgres-failure.yml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('approval: second_person', 'approval: none'));
    const cli = resolve(import.meta.dirname, '../../packages/bot/dist/cli.js');
    const result = await execa(process.execPath, [cli, 'runbooks', 'check', '--dir', dir], {
      reject: false,
      env: { RECIO_RUNBOOKS_DIR: '' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `✖ ${dir}/postgres-failure.yml: steps[3] (restore): db.restore is dangerous: it needs ` +
        '`approval: second_person` [rule dangerous-needs-second-person]',
    );
  });
});
