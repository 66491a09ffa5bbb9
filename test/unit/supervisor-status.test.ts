import { describe, expect, test } from 'vitest';
import { parseSupervisorStatus } from '@recio/agent/supervisor-status';

describe('parseSupervisorStatus', () => {
  test('reads every state supervisorctl prints, with pid and uptime when running', () => {
    const text = [
      'active_trade_supervisor          RUNNING   pid 4211, uptime 2 days, 3:04:05',
      'auto_entry_supervisor            FATAL     Exited too quickly (process log may have details)',
      'btc_price_watchdog               BACKOFF   Exited too quickly (process log may have details)',
      'kalshi_api_watchdog              STOPPED   Nov 26 06:00 AM',
      'trade_executor                   RUNNING   pid 77, uptime 0:00:05',
      'trade_manager                    EXITED    Nov 26 06:01 AM',
      'web:web_ui                       STARTING  ',
    ].join('\n');
    const { programs, unparsed } = parseSupervisorStatus(text);
    expect(unparsed).toEqual([]);
    expect(programs[0]).toEqual({
      name: 'active_trade_supervisor',
      state: 'RUNNING',
      pid: 4211,
      uptime: '2 days, 3:04:05',
      uptimeSeconds: 2 * 86_400 + 3 * 3600 + 4 * 60 + 5,
      description: 'pid 4211, uptime 2 days, 3:04:05',
    });
    expect(programs.map((p) => p.state)).toEqual([
      'RUNNING',
      'FATAL',
      'BACKOFF',
      'STOPPED',
      'RUNNING',
      'EXITED',
      'STARTING',
    ]);
    expect(programs[1]).toMatchObject({
      pid: null,
      uptime: null,
      description: 'Exited too quickly (process log may have details)',
    });
    expect(programs[4]).toMatchObject({ pid: 77, uptimeSeconds: 5 });
    expect(programs[6]?.name).toBe('web:web_ui');
  });

  test('keeps error lines apart, so "cannot ask" is not "no programs"', () => {
    const { programs, unparsed } = parseSupervisorStatus('unix:///var/run/supervisor.sock no such file\n');
    expect(programs).toEqual([]);
    expect(unparsed).toEqual(['unix:///var/run/supervisor.sock no such file']);
    expect(parseSupervisorStatus('nope: ERROR (no such process)').unparsed).toHaveLength(1);
  });
});
