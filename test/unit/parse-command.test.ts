import { describe, expect, test } from 'vitest';
import { parseCommand } from '@recio/bot/intents/parse';

const vocabulary = {
  services: [
    'trade_manager',
    'trade_executor',
    'active_trade_supervisor',
    'auto_entry_supervisor',
    'kalshi_api_watchdog',
    'btc_price_watchdog',
  ],
  hosts: ['db1', 'app1'],
  scenarios: ['postgres-failure', 'service-crash', 'provider-outage', 'bad-release', 'backup', 'verify'],
};
const parse = (text: string) => parseCommand(text, vocabulary);

describe('the /recio grammar', () => {
  test.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['status app1', { kind: 'status', host: 'app1' }],
    ['restart trade_executor', { kind: 'restart', service: 'trade_executor' }],
    ['  RESTART   trade_executor  on app1 ', { kind: 'restart', service: 'trade_executor', host: 'app1' }],
    ['stop auto_entry_supervisor', { kind: 'stop', service: 'auto_entry_supervisor' }],
    ['tail trade_manager', { kind: 'tail', service: 'trade_manager', lines: 50 }],
    ['tail trade_manager 200 on db1', { kind: 'tail', service: 'trade_manager', lines: 200, host: 'db1' }],
    ['run postgres-failure', { kind: 'run', scenario: 'postgres-failure', dryRun: false }],
    [
      'run service-crash trade_executor --dry-run',
      { kind: 'run', scenario: 'service-crash', dryRun: true, value: 'trade_executor' },
    ],
    ['rollback', { kind: 'rollback' }],
    ['rollback v2.3.1', { kind: 'rollback', tag: 'v2.3.1' }],
    ['checklist', { kind: 'checklist' }],
    ['incident open Kalshi feed frozen', { kind: 'incident_open', title: 'Kalshi feed frozen', security: false }],
    ['incident open --security leaked API key', { kind: 'incident_open', title: 'leaked API key', security: true }],
    ['incident close', { kind: 'incident_close' }],
    ['incident close Kalshi maintenance window', { kind: 'incident_close', reason: 'Kalshi maintenance window' }],
    ['report', { kind: 'report' }],
    ['report 1c9e2f0a', { kind: 'report', incidentId: '1c9e2f0a' }],
    ['backup now', { kind: 'backup_now' }],
    ['backup list', { kind: 'backup_list' }],
    ['backup config', { kind: 'backup_config' }],
    ['backup history', { kind: 'backup_history' }],
    [
      'backup restore config_2026-11-26_031500.tar.age',
      { kind: 'backup_restore', file: 'config_2026-11-26_031500.tar.age' },
    ],
    [
      'backup restore config_2026-11-26_031500.tar.enc into compare-1 on app1',
      { kind: 'backup_restore', file: 'config_2026-11-26_031500.tar.enc', into: 'compare-1', host: 'app1' },
    ],
    ['restore', { kind: 'restore' }],
    ['restore db_2026-11-26.sql', { kind: 'restore', file: 'db_2026-11-26.sql' }],
    [
      'restore db_2026-11-26_031500.sql trades_snapshot positions trades_snapshot',
      { kind: 'restore', file: 'db_2026-11-26_031500.sql', tables: ['trades_snapshot', 'positions'] },
    ],
  ])('%j', (text, intent) => {
    expect(parse(text)).toEqual({ ok: true, intent });
  });

  test.each([
    ['restart trade_exector', 'Unknown service `trade_exector`. Did you mean `trade_executor`?'],
    ['restrat trade_executor', 'Unknown command `restrat`. Did you mean `restart`? Try `/recio help`.'],
    ['trade_executor', 'Unknown command `trade_executor`. Did you mean `restart trade_executor`? Try `/recio help`.'],
    ['run postgres-falure', 'Unknown scenario `postgres-falure`. Did you mean `postgres-failure`?'],
    ['restart trade_executor on db9', 'Unknown host `db9`. Did you mean `db1`?'],
    [
      'backup nwo',
      'Usage: `/recio backup now|list|config|history` or ' +
        '`/recio backup restore <config archive> [into <dir>] [on <host>]`. Did you mean `now`?',
    ],
    ['backup restore config_2026-11-26_031500.tar.age on db9', 'Unknown host `db9`. Did you mean `db1`?'],
  ])('%j gets help with the closest match', (text, message) => {
    expect(parse(text)).toEqual({ ok: false, message });
  });

  test.each([
    ['restart trade_executor; rm -rf /', /Unknown service `trade_executor;`/],
    ['restart trade_executor && id', /Unexpected `&amp;&amp; id`/],
    ['restart $(id)', /Unknown service `\$\(id\)`/],
    ['rollback --upload-pack=touch', /is not a release tag/],
    ['rollback -rf', /is not a release tag/],
    ['rollback v1;reboot', /is not a release tag/],
    ['tail trade_manager 99999999', /not a line count/],
    ['tail trade_manager -5', /not a line count/],
    ['run service-crash ../../etc/passwd', /not a service name, release tag or UTC time/],
    ['restore ../../etc/passwd', /is not a dump file name/],
    ['restore db_2026-11-26.sql.sha256', /is not a dump file name/],
    ['restore db_2026-11-26.sql trades;drop', /`trades;drop` is not a table name/],
    ['restore db_2026-11-26.sql "Trades"', /is not a table name/],
    ['report ../../etc', /is not an incident id/],
    ['incident open', /needs a title/],
    ['restart', /Which service\?/],
    ['backup restore', /Usage: `\/recio backup restore <config archive>/],
    ['backup restore ../../etc/shadow', /is not a config archive name/],
    ['backup restore db_2026-11-26.sql', /is not a config archive name/],
    ['backup restore config_2026-11-26_031500.tar.age into ../live', /is not a directory name/],
    ['backup restore config_2026-11-26_031500.tar.age into /opt/rec_io_v2', /is not a directory name/],
    ['backup restore config_2026-11-26_031500.tar.age into a into b', /Usage:/],
    ['backup restore config_2026-11-26_031500.tar.age over there', /Usage:/],
  ])('hostile or malformed %j is refused with a specific answer', (text, message) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  test('echoed words cannot inject Slack markup', () => {
    const result = parse('restart <!channel>');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).not.toContain('<!channel>');
  });
});
