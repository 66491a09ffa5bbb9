import { describe, expect, test } from 'vitest';
import { validateView } from '@recio/slack-emulator/index';
import type { FleetOverview, HostOverview } from '@recio/bot/operations/fleet-overview';
import { ActionId } from '@recio/bot/slack/ids';
import { renderHome, type HomeState } from '@recio/bot/slack/views/home';
import { anIncident, NOW } from './view-fixtures.js';

/** The App Home as pure state → blocks, through the emulator's validator for a Home view. */
const LIMITS = { feedMaxAgeSeconds: { btc_price: 60, kalshi: 120 }, backupMaxAgeSeconds: 26 * 3600 };
const LEAD = { id: 'U0ALICE0001', roles: ['lead_operator' as const] };

function valid(state: HomeState): {
  json: string;
  blocks: unknown[];
  buttons: Array<{ action_id: string; value: string }>;
} {
  const view = renderHome(state);
  expect(validateView(view, 'home')).toEqual([]);
  const blocks = view.blocks as unknown[];
  const buttons = blocks.flatMap((b) =>
    (b as { type: string }).type === 'actions'
      ? (b as { elements: Array<{ action_id: string; value: string }> }).elements
      : [],
  );
  return { json: JSON.stringify(blocks), blocks, buttons };
}

function aHost(name: string, overrides: Partial<HostOverview> = {}): HostOverview {
  return {
    name,
    roles: ['db', 'app'],
    programs: {
      ok: true,
      value: [
        { name: 'trade_executor', state: 'FATAL', pid: null, uptime: null, description: 'Exited too quickly' },
        { name: 'trade_manager', state: 'RUNNING', pid: 42, uptime: '0:10:00' },
      ],
    },
    db: {
      status: { ok: true, value: { state: 'active' } },
      tables: { ok: true, value: { expected: 3, missing: ['trades'] } },
      feeds: [
        { feed: 'btc_price', ageSeconds: { ok: true, value: 4 } },
        { feed: 'kalshi', ageSeconds: { ok: true, value: 300 } },
      ],
      newestBackup: { ok: true, value: { file: 'db_2026-02-27.sql', ageSeconds: 30 * 3600 } },
    },
    ...overrides,
  };
}

const overview = (hosts: HostOverview[]): FleetOverview => ({ hosts, readAt: NOW });
const state = (overrides: Partial<HomeState> = {}): HomeState => ({
  viewer: LEAD,
  reading: false,
  incidents: [],
  limits: LIMITS,
  overview: overview([aHost('db1')]),
  ...overrides,
});

describe('App Home', () => {
  test('per host: programs trouble first, the database, tables, feeds and backup readings with their limits', () => {
    const { json } = valid(state());
    expect(json).toContain('*db1* · db, app — 1/2 programs running');
    expect(json.indexOf('trade_executor')).toBeLessThan(json.indexOf('trade_manager'));
    expect(json).toContain('PostgreSQL answers');
    expect(json).toContain('tables missing: `trades`');
    expect(json).toContain(':large_green_circle: btc_price newest row 4.0 s old');
    expect(json).toContain(':red_circle: kalshi newest row 5 min old (limit 2 min)');
    expect(json).toContain(':warning: newest dump 30 h old (over 26 h)');
  });

  test('the nightly restore test: each db host passed or failed (since when it last passed), or not run yet', () => {
    const at = new Date('2026-02-27T04:30:00Z');
    const tests = [
      {
        job: 'restore-test' as const,
        host: 'db1',
        ok: true,
        subject: 'db_2026-02-27.sql',
        detail: 'ok',
        at,
        lastOk: at,
      },
      {
        job: 'restore-test' as const,
        host: 'db2',
        ok: false,
        subject: 'db_2026-02-27.sql',
        detail: 'backups cannot be restored: backup db_2026-02-27.sql is empty',
        at,
        lastOk: null,
      },
    ];
    const { json } = valid(state({ restoreTests: tests }));
    expect(json).toContain(':white_check_mark: restore test on db1 passed 2026-02-27 04:30 UTC (db_2026-02-27.sql)');
    expect(json).toContain(
      ':x: restore test on db2 FAILED 2026-02-27 04:30 UTC (db_2026-02-27.sql): backups cannot be restored: ' +
        'backup db_2026-02-27.sql is empty; last passed never',
    );
    expect(valid(state({ restoreTests: [] })).json).toContain('Nightly restore test: no result yet');
    expect(valid(state({ restoreTests: { error: 'store down' } })).json).toContain('could not be read: store down');
  });

  test('a host that did not answer is ✖ with why; the others are shown as usual', () => {
    const { json } = valid(
      state({
        overview: overview([
          aHost('db1'),
          { name: 'app2', roles: ['app'], programs: { ok: false, why: 'app2: no agent session within the deadline' } },
        ]),
      }),
    );
    expect(json).toContain(
      ':heavy_multiplication_x: *app2* · app — could not be read: app2: no agent session within the deadline',
    );
    expect(json).toContain('*db1* · db, app');
  });

  test(
    'a lead_operator gets Open checklist, Back up now, Restart, Start a drill and the last drill; ' +
      'each open incident links its thread with Acknowledge and Open checklist',
    () => {
      const incident = anIncident({ threadTs: '1700000000.000100' });
      const { json, buttons } = valid(
        state({
          incidents: [{ incident, link: 'https://recio-dr.slack.com/archives/C0OPS000001/p1700000000000100' }],
          drill: { lastAt: new Date('2026-10-05T09:30:00Z'), lastScenario: 'service-crash', next: 'provider-outage' },
        }),
      );
      expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
        [ActionId.homeChecklist, 'home'],
        [ActionId.homeBackup, 'home'],
        [ActionId.homeRestart, 'home'],
        [ActionId.startDrill, 'home'],
        [ActionId.ackIncident, incident.id],
        [ActionId.openChecklist, incident.id],
      ]);
      expect(json).toContain('<https://recio-dr.slack.com/archives/C0OPS000001/p1700000000000100|open its thread>');
      expect(json).toContain('trade_executor is FATAL');
      expect(json).toMatch(/Last drill: <!date\^\d+\^[^>]*> \(service-crash\) · next in turn: provider-outage/);
    },
  );

  test('a system_architect sees Open checklist only, and why the rest is not there', () => {
    const { json, buttons } = valid(
      state({ viewer: { id: 'U0BOB000001', roles: ['system_architect'] }, incidents: [{ incident: anIncident() }] }),
    );
    expect(buttons.map((b) => b.action_id)).toEqual([ActionId.homeChecklist, ActionId.openChecklist]);
    expect(json).toContain('are for a lead_operator');
    expect(json).toContain('its thread is not posted yet');
  });

  test('someone without a role sees why, no buttons and no recovery state', () => {
    const { json, buttons } = valid(
      state({ viewer: { id: 'U0DAVE00001', roles: [] }, incidents: [{ incident: anIncident() }] }),
    );
    expect(buttons).toEqual([]);
    expect(json).toContain("You hold none of the plan's roles");
    expect(json).not.toContain('trade_executor');
    expect(json).not.toContain('db1');
  });

  test('before the hosts answer it says it is reading them; an unreadable incident list says why', () => {
    const { json } = valid(
      state({ overview: undefined, reading: true, incidents: { error: 'the store cannot be reached' } }),
    );
    expect(json).toContain('Asking every host');
    expect(json).toContain('Could not be read: the store cannot be reached');
  });

  test('many hosts and incidents stay within 100 blocks, and say what was left out', () => {
    const hosts = Array.from({ length: 60 }, (_, i) => aHost(`host${i}`));
    const incidents = Array.from({ length: 14 }, (_, i) => ({ incident: anIncident({ title: `fault ${i}` }) }));
    const { json, blocks } = valid(state({ overview: overview(hosts), incidents }));
    expect(blocks.length).toBeLessThanOrEqual(100);
    expect(json).toMatch(/… and \d+ more hosts: `\/recio status` lists them all/);
    expect(json).toContain('… and 4 more open');
  });
});
