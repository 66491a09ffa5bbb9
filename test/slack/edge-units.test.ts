import { describe, expect, test } from 'vitest';
import { commandTextOf } from '@recio/bot/slack/handlers/app-mention';
import { missingService } from '@recio/bot/slack/handlers/intents';
import { targetOf } from '@recio/bot/operations/approval-target';
import { parseTypedTarget, proposeTarget } from '@recio/bot/runbooks/pitr-choice';
import { outsideWindow } from '@recio/protocol/pitr-window';
import { parseCommand } from '@recio/bot/intents/parse';
import { createGroupMembers } from '@recio/bot/slack/group-members';
import { timestampIsFresh } from '@recio/bot/slack/receiver';
import { classifySlackError } from '@recio/bot/slack/slack-errors';
import { createSlackWebClient } from '@recio/bot/slack/web-client';
import { withSlackFake } from '../support/slack-fake.js';
import { aRun, aStep } from './view-fixtures.js';

const vocabulary = { services: ['trade_executor'], hosts: ['db1'], scenarios: ['service-crash'] };

describe('request timestamps', () => {
  const now = 1_800_000_000_000;
  test('within five minutes either way is fresh; beyond, in the past or the future, is not', () => {
    expect(timestampIsFresh(String(now / 1000 - 299), now)).toBe(true);
    expect(timestampIsFresh(String(now / 1000 + 299), now)).toBe(true);
    expect(timestampIsFresh(String(now / 1000 - 360), now)).toBe(false);
    expect(timestampIsFresh(String(now / 1000 + 360), now)).toBe(false);
  });
  test('missing, repeated or not a number is not fresh', () => {
    expect(timestampIsFresh(undefined, now)).toBe(false);
    expect(timestampIsFresh('1.8e9', now)).toBe(false);
    expect(timestampIsFresh(['abc', String(now / 1000)], now)).toBe(false);
  });
});

describe('@recio text', () => {
  test("the bot's mention goes wherever it is, other people's mentions stay", () => {
    expect(commandTextOf('<@U0RECIOBOT1> restart trade_executor', 'U0RECIOBOT1')).toBe('restart trade_executor');
    expect(commandTextOf('hey <@U0RECIOBOT1|recio>   status  db1', 'U0RECIOBOT1')).toBe('hey status db1');
    expect(commandTextOf('<@U0RECIOBOT1> tell <@U0BOB000001>', 'U0RECIOBOT1')).toBe('tell @U0BOB000001');
  });
});

describe('what the Slack edge decides before the core', () => {
  test('only a bare restart/start/stop becomes the service picker', () => {
    expect(missingService('restart', parseCommand('restart', vocabulary))).toBe('restart');
    expect(missingService(' Stop ', parseCommand(' Stop ', vocabulary))).toBe('stop');
    expect(missingService('restart trade_exector', parseCommand('restart trade_exector', vocabulary))).toBeUndefined();
    expect(missingService('tail', parseCommand('tail', vocabulary))).toBeUndefined();
  });

  test("the name to type before approving: the tag, the backup's date, or the database host", () => {
    const run = aRun();
    expect(targetOf(aStep(run, 0, { action: 'deploy.rollback', params: { tag: 'v2.4.0' } }))).toMatchObject({
      expected: 'v2.4.0',
      kind: 'the release tag',
    });
    expect(targetOf(aStep(run, 0, { action: 'db.restore', params: { file: 'db_2026-02-27.sql' } }))).toMatchObject({
      expected: '2026-02-27',
      kind: "the backup's date (db_2026-02-27.sql)",
    });
    expect(targetOf(aStep(run, 0, { action: 'db.restore', params: {}, host: 'db2' }))).toMatchObject({
      expected: 'db2',
      kind: 'the database host name',
    });
    expect(
      targetOf(aStep(run, 0, { action: 'service.restart', params: { service: 'trade_executor' } })),
    ).toBeUndefined();
    expect(
      targetOf(aStep(run, 0, { action: 'db.pitr.restore', params: { target: '2026-11-27T16:59:59Z' } })),
    ).toMatchObject({ expected: '2026-11-27 16:59:59', kind: 'the target time in UTC (2026-11-27T16:59:59Z)' });
  });

  test('a point-in-time target: detection minus the margin, to the second; refused outside the window', () => {
    expect(proposeTarget(new Date('2026-11-27T17:00:59.900Z'), 60)).toBe('2026-11-27T16:59:59Z');
    const window = {
      from: '2026-11-27T02:00:10.000Z',
      to: '2026-11-27T17:01:00.000Z',
      toSource: 'live' as const,
      backups: [],
      wal: null,
    };
    const now = new Date('2026-11-27T17:01:00.000Z');
    expect(outsideWindow(new Date('2026-11-27T16:59:59Z'), window, now)).toBeUndefined();
    expect(outsideWindow(new Date('2026-11-27T17:05:00Z'), window, now)).toMatch(
      /is in the future; recoverable window/,
    );
    expect(outsideWindow(new Date('2026-11-27T02:00:09Z'), window, now)).toMatch(/before the oldest base backup ended/);
    expect(outsideWindow(new Date('2026-11-27T01:00:00Z'), { ...window, from: null, to: null }, now)).toBe(
      'the pgBackRest repository holds no base backup yet',
    );
  });

  test('a target typed in the modal: UTC with a space or ISO with Z, to the second; anything else refused', () => {
    expect(parseTypedTarget(' 2026-11-27 16:59:59 ')).toEqual({ target: '2026-11-27T16:59:59Z' });
    expect(parseTypedTarget('2026-11-27T16:59:59Z')).toEqual({ target: '2026-11-27T16:59:59Z' });
    for (const bad of ['2026-11-27T16:59:59', '2026-11-27 16:59', 'yesterday', '2026-11-27T16:59:59+01:00', ''])
      expect(parseTypedTarget(bad)).toEqual({ why: expect.stringContaining('Expected a UTC time like') });
    expect(parseTypedTarget('2026-02-30 12:00:00')).toEqual({
      why: '2026-02-30 12:00:00 is not a real date and time.',
    });
  });
});

describe('Slack errors, as the publisher reads them', () => {
  test('platform errors that no retry fixes are permanent; others transient; rate limits carry Retry-After', () => {
    expect(classifySlackError({ code: 'slack_webapi_platform_error', data: { error: 'not_in_channel' } })).toEqual({
      kind: 'permanent',
      error: 'not_in_channel',
    });
    expect(classifySlackError({ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } })).toEqual({
      kind: 'transient',
      error: 'internal_error',
    });
    expect(classifySlackError({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 })).toMatchObject({
      kind: 'rate_limited',
      retryAfterSeconds: 7,
    });
    expect(
      classifySlackError({
        code: 'slack_webapi_request_error',
        message: 'A request error occurred: A rate limit was exceeded (url: x, retry-after: 3)',
      }),
    ).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 3 });
    expect(classifySlackError(new Error('socket hang up'))).toEqual({ kind: 'transient', error: 'socket hang up' });
  });
});

describe('user-group members (usergroups.users.list, against the emulator)', () => {
  test('members are read once and cached; an unknown group throws and is not cached', async () => {
    await withSlackFake({}, async (fake) => {
      let clock = 0;
      const groupsOf = createGroupMembers(createSlackWebClient({ botToken: fake.tokens.bot, apiUrl: fake.apiUrl }), {
        ttlMs: 1_000,
        now: () => clock,
      });
      expect(await groupsOf('S0LEADS0001')).toEqual(['U0ALICE0001']);
      expect(await groupsOf('S0LEADS0001')).toEqual(['U0ALICE0001']);
      expect(fake.state.callsTo('usergroups.users.list')).toHaveLength(1);
      fake.workspace.usergroups.get('S0LEADS0001')!.users.push('U0DAVE00001');
      clock = 1_001;
      expect(await groupsOf('S0LEADS0001')).toEqual(['U0ALICE0001', 'U0DAVE00001']);
      await expect(groupsOf('S0NOSUCH001')).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
      await expect(groupsOf('S0NOSUCH001')).rejects.toBeDefined();
      expect(
        fake.state.callsTo('usergroups.users.list').filter((c) => c.args.usergroup === 'S0NOSUCH001'),
      ).toHaveLength(2);
    });
  });
});
