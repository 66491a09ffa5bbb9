import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerDrillCommands } from '@recio/bot/cli/drill-commands';
import { openDrillContext, runDrill } from '@recio/bot/drills/index';
import { DROPPED_TABLE, sandboxStatus } from '@recio/sandbox/index';
import { silentLogger } from '@recio/bot/store/logger';
import { dbNow, programs, rowCount, rowsSince, tableExists } from './support/sandbox-facts.js';
import { ALICE, BOB, DAVE, startSandboxAndStore, type SandboxAndStore } from './support/stack.js';
import { EVENT_BOUND_MS } from '../support/bounds.js';

/**
 * `recio drill` from a terminal, with no bot running: the drill starts its own monitor. Refusals
 * come before anything is broken; a sandbox drill of the restore branch passes with a second
 * person named by --approve-as; a staging fleet (here the sandbox's fleet file, used as any fleet:
 * no sandbox powers) is drilled only through the agent's own actions.
 */
let base: SandboxAndStore;

beforeAll(async () => {
  base = await startSandboxAndStore();
});
afterAll(async () => {
  await base?.stop();
});

/**
 * What the bot's environment would hold: the store, roles, the provider and web URLs — not the fleet, which the
 * command names.
 */
const env = (): Record<string, string> => {
  const { RECIO_FLEET: _fleet, ...urls } = base.sandbox.env;
  return {
    ...urls,
    DATABASE_URL: base.storeDb.url,
    RECIO_DATA_DIR: join(base.dir, 'data'),
    RECIO_LEAD_OPERATORS: `${ALICE},${BOB}`,
    // Terminal users (`cli:tester` below, and whoever runs this test, the drill's default approver)
    // are mapped to a lead; unmapped they could only read (docs/security.md).
    RECIO_CLI_USERS: `tester:${BOB},${userInfo().username}:${BOB}`,
    RECIO_MONITOR_INTERVAL_MS: '1000',
    RECIO_HTTP_TIMEOUT_MS: '2000',
  };
};

async function recio(...args: string[]): Promise<{ lines: string[]; exitCode: number }> {
  const lines: string[] = [];
  let exitCode = 0;
  const program = new Command('recio').exitOverride();
  registerDrillCommands(program, { print: (line) => lines.push(line), setExitCode: (code) => (exitCode = code), env });
  await program.parseAsync(['node', 'recio', ...args]);
  return { lines, exitCode };
}

describe('recio drill', () => {
  test(
    'refuses, before breaking anything, ' + 'what a staging fleet cannot take and an approver without the role',
    async () => {
      const fleet = base.sandbox.fleetPath;
      await expect(recio('drill', 'postgres-failure', '--fleet', fleet)).rejects.toThrow(
        /postgres-failure cannot be broken safely on a staging fleet: the agent has no action that stops PostgreSQL/,
      );
      await expect(recio('drill', 'bad-release', '--fleet', fleet)).rejects.toThrow(
        /cannot be broken safely on a staging fleet/,
      );
      await expect(recio('drill', 'service-crash', '--fleet', fleet, '--service', 'trade_executor')).rejects.toThrow(
        /only a feed watchdog .* can be drilled/,
      );
      await expect(
        recio(
          'drill',
          'postgres-failure',
          '--variant',
          'drop-table',
          '--sandbox',
          base.sandbox.dir,
          '--approve-as',
          DAVE,
        ),
      ).rejects.toThrow(`${DAVE} cannot approve the drill's restore or rollback`);
      await expect(recio('drill', 'postgres-failure', '--sandbox', base.sandbox.dir, '--fleet', fleet)).rejects.toThrow(
        '--sandbox or --fleet, not both',
      );
      expect((await sandboxStatus(base.sandbox.dir)).ok).toBe(true);
      expect(await tableExists(base.sandbox, DROPPED_TABLE)).toBe(true);
      expect(await base.storeDb.query('SELECT count(*)::int AS n FROM incidents').then((r) => r.rows[0].n)).toBe(0);
    },
  );

  test('the restore branch on the sandbox: detected, restored after the named second person approves, green, ' +
    'resolved — exit 0', async () => {
    const { lines, exitCode } = await recio(
      'drill',
      'postgres-failure',
      '--variant',
      'drop-table',
      '--sandbox',
      base.sandbox.dir,
      '--approve-as',
      BOB,
    );
    const text = lines.join('\n');
    expect(exitCode, text).toBe(0);
    expect(text).toMatch(/Drill postgres-failure \(drop-table\) on .*: PASSED/);
    expect(text).toContain(`approve "Restore from the latest backup" as ${BOB}`);
    expect(text).toMatch(/the plan \(§1\.1\): 5 commands typed by hand/);
    expect(await tableExists(base.sandbox, DROPPED_TABLE)).toBe(true);
    expect(await rowCount(base.sandbox, DROPPED_TABLE)).toBeGreaterThan(0);
    const incidents = (await base.storeDb.query('SELECT kind, status, fingerprint FROM incidents ORDER BY opened_at'))
      .rows as Array<{ kind: string; status: string; fingerprint: string }>;
    expect(incidents.slice(0, 2), text).toEqual([
      { kind: 'drill', status: 'resolved', fingerprint: expect.stringMatching(/^drill:/) },
      { kind: 'incident', status: 'resolved', fingerprint: 'db:sbx1' },
    ]);
    // The restore rewinds every table to the dump, so a probe landing before the watchdogs' next
    // rows sees both feeds a day old: those incidents are the same fault, listed and closed once green.
    for (const extra of incidents.slice(2)) {
      expect(extra, text).toMatchObject({
        kind: 'incident',
        status: 'resolved',
        fingerprint: expect.stringMatching(/^feed:/),
      });
      expect(text).toContain('also opened by the monitor');
    }
  }, 180_000);

  test('a staging fleet: a feed watchdog stopped through the agent, seen as its stale feed, ' +
    'restarted by the runbook', async () => {
    const pid = (await programs(base.sandbox)).btc_price_watchdog!.pid;
    // The one knob changed for a test: the BTC feed is called stale after 4 s, not the bot's 60 s.
    const opened = await openDrillContext({
      env: env(),
      fleetPath: base.sandbox.fleetPath,
      logger: silentLogger,
      monitor: { feedMaxAgeSeconds: { btc_price: 4, kalshi: 120 } },
    });
    try {
      const result = await runDrill(opened.ctx, opened.target, {
        scenario: 'service-crash',
        startedBy: 'cli:tester',
        approveAs: 'cli:tester',
        timeouts: { detectMs: 60_000 },
      });
      expect(result, JSON.stringify(result.failures)).toMatchObject({
        ok: true,
        variant: 'stop',
        target: base.sandbox.fleetPath,
      });
      const incident = (await opened.ctx.store.incidents.get(result.incidentId!))!;
      expect(incident).toMatchObject({ fingerprint: 'feed:btc_price', scenario: 'service-crash', status: 'resolved' });
      expect(result.operatorActions).toEqual([
        'acknowledge',
        'run recovery',
        'open checklist',
        'confirm: Trades can be placed and confirmed',
        'resolve',
      ]);
    } finally {
      await opened.close();
    }
    const after = (await programs(base.sandbox)).btc_price_watchdog!;
    expect(after.state).toBe('RUNNING');
    expect(after.pid).not.toBe(pid);
    const since = await dbNow(base.sandbox);
    await expect
      .poll(() => rowsSince(base.sandbox, 'btc_price_log', since), { timeout: EVENT_BOUND_MS })
      .toBeGreaterThan(0);
    // The stop went through Operations, so it is audited like any stop.
    const stops = (
      await base.storeDb.query(
        "SELECT actor FROM audit_log WHERE action = 'run.requested' AND detail->>'scenario' = 'adhoc:service.stop'",
      )
    ).rows;
    expect(stops).toEqual([{ actor: 'drill' }]);
  }, 180_000);
});
