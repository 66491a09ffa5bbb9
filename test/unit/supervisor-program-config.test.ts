import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  decideBudgetSeconds,
  programLimits,
  supervisordConfigCandidates,
} from '@recio/agent/supervisor-program-config';
import { ownedTempDir } from '../support/leftovers.js';

let dir: string;
let main: string;

beforeAll(async () => {
  dir = await ownedTempDir('supconf');
  await mkdir(join(dir, 'conf.d'));
  main = join(dir, 'supervisord.conf');
  await writeFile(
    main,
    [
      '[supervisord]',
      'nodaemon=true ; inline comment',
      '[program:trade_manager]',
      'command=/usr/bin/python3 trade_manager.py',
      'startsecs = 10 ; a slow start',
      'startretries: 5',
      '[include]',
      'files = conf.d/*.conf',
    ].join('\n'),
  );
  await writeFile(join(dir, 'conf.d', 'watchdogs.conf'), '[program:btc_price_watchdog]\nstartsecs=3\n');
  await writeFile(join(dir, 'conf.d', 'ignored.txt'), '[program:kalshi_api_watchdog]\nstartsecs=99\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a program's start limits, from supervisord's own config", () => {
  test('the file supervisorctl is pointed at, else the standard locations', () => {
    expect(supervisordConfigCandidates(['supervisorctl', '-c', '/x.conf'])).toEqual(['/x.conf']);
    expect(supervisordConfigCandidates(['supervisorctl', '--configuration=/y.conf'])).toEqual(['/y.conf']);
    expect(supervisordConfigCandidates(['supervisorctl'])[0]).toBe('/etc/supervisor/supervisord.conf');
  });

  test('read from its section, with comments, both separators and the defaults for what it omits', () => {
    expect(programLimits(['supervisorctl', '-c', main], 'trade_manager')).toEqual({
      startsecs: 10,
      startretries: 5,
      stopwaitsecs: 10,
      source: main,
    });
  });

  test('read from an [include] glob; a file the glob does not match is not read', () => {
    expect(programLimits(['supervisorctl', '-c', main], 'btc_price_watchdog')).toMatchObject({
      startsecs: 3,
      startretries: 3,
      source: join(dir, 'conf.d', 'watchdogs.conf'),
    });
    expect(programLimits(['supervisorctl', '-c', main], 'kalshi_api_watchdog')).toMatchObject({
      startsecs: 1,
      source: expect.stringContaining('supervisord defaults'),
    });
  });

  test('an unreadable config falls back to the documented defaults and says so', () => {
    expect(programLimits(['supervisorctl', '-c', join(dir, 'nope.conf')], 'trade_manager')).toEqual({
      startsecs: 1,
      startretries: 3,
      stopwaitsecs: 10,
      source: 'supervisord defaults (no readable supervisord config)',
    });
  });

  test("the budget covers supervisord's own worst case: every attempt under startsecs, n-th BACKOFF n s", () => {
    // 3 attempts of < 1 s, BACKOFF 1 s + 2 s, one tick per attempt.
    expect(decideBudgetSeconds({ startsecs: 1, startretries: 2, stopwaitsecs: 10, source: '' })).toBe(9);
    expect(decideBudgetSeconds({ startsecs: 10, startretries: 3, stopwaitsecs: 10, source: '' })).toBe(50);
  });
});
