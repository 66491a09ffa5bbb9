import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, test } from 'vitest';
import { registerRunbookCommands } from '@recio/bot/cli/runbook-commands';
import { loadRunbooks } from '@recio/bot/runbooks/loader';
import { restartOrderProblems } from '@recio/bot/runbooks/restart-order';
import { defaultTopology, loadTopology, nodeOfFingerprint, parseTopology } from '@recio/bot/runbooks/topology';
import { ownedTempDirSync } from '../support/leftovers.js';

const COMMANDS = resolve(import.meta.dirname, '../../commands');
const RUNBOOKS = new Set(['postgres-failure', 'provider-outage', 'bad-release', 'service-crash']);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** commands/ copied, with topology.yml replaced by `text`. */
function commandsWith(text: string): string {
  const dir = ownedTempDirSync('topology');
  dirs.push(dir);
  cpSync(COMMANDS, dir, { recursive: true });
  writeFileSync(join(dir, 'topology.yml'), text);
  return dir;
}

/** `recio runbooks check --dir <dir>`: its lines and exit code. */
async function check(dir: string): Promise<{ lines: string[]; code: number }> {
  const lines: string[] = [];
  let code = 0;
  const program = new Command().exitOverride();
  registerRunbookCommands(program, {
    print: (l) => lines.push(l),
    setExitCode: (c) => {
      code = c;
    },
    runbooksDir: () => dir,
  });
  await program.parseAsync(['node', 'recio', 'runbooks', 'check', '--dir', dir]);
  return { lines, code };
}

describe('commands/topology.yml', () => {
  test("the shipped file is REC.IO's graph: every program needs the database and the release", () => {
    const topology = loadTopology(COMMANDS, 'commands', RUNBOOKS);
    expect([...topology.causesOf('program:trade_manager')].sort()).toEqual(['postgresql', 'release']);
    expect([...topology.causesOf('program:kalshi_api_watchdog')].sort()).toEqual(['kalshi', 'postgresql', 'release']);
    expect([...topology.causesOf('feed:btc_price')].sort()).toEqual(['coinbase', 'postgresql', 'release']);
    expect(topology.causesOf('postgresql').size).toBe(0);
    // The built-in default is the same graph (the shipped file adds each cause's runbook).
    expect({ ...topology.spec, causes: {} }).toEqual({ ...defaultTopology().spec, causes: {} });
    expect(nodeOfFingerprint(topology, 'db:db1')).toBe('postgresql');
    expect(nodeOfFingerprint(topology, 'program:app1/trade_executor')).toBe('program:trade_executor');
    expect(nodeOfFingerprint(topology, 'provider:kalshi')).toBe('kalshi');
  });

  test('recio runbooks check accepts it and says what it read', async () => {
    const { lines, code } = await check(commandsWith(`${defaultTopologyText()}`));
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatch(/topology\.yml — 4 causes, 6 programs, 2 feeds$/);
  });

  test('a cycle is refused at load and by the check, with the file and the path', async () => {
    const text = defaultTopologyText()
      .replace('trade_manager: [postgresql, release]', 'trade_manager: [postgresql, trade_executor]')
      .replace('trade_executor: [postgresql, release]', 'trade_executor: [postgresql, trade_manager]');
    const dir = commandsWith(text);
    expect(() => loadTopology(dir, 'commands', RUNBOOKS)).toThrow(
      new RegExp(
        'commands/topology\\.yml: programs\\.trade_executor: ' +
          'a dependency cycle: trade_manager → trade_executor → trade_manager',
      ),
    );
    const { lines, code } = await check(dir);
    expect(code).toBe(1);
    expect(lines.some((l) => l.startsWith('✖') && l.includes('topology.yml: programs.trade_executor'))).toBe(true);
  });

  test('an unknown program, an unknown dependency and a runbook without a file are each named', () => {
    const text = defaultTopologyText()
      .replace('postgresql: { kind: db }', 'postgresql: { kind: db, runbook: pg-gone }')
      .replace('btc_price_watchdog: [postgresql, coinbase, release]', 'btc_price_watchdog: [postgresql, binance]')
      .replace('\nfeeds:', '\n  order_router: [postgresql]\nfeeds:');
    expect(parseTopology(text, 'f.yml', RUNBOOKS)).toEqual([
      'f.yml: causes.postgresql.runbook: no file pg-gone.yml beside it',
      'f.yml: programs.btc_price_watchdog.1: "binance" is neither a cause nor a program',
      expect.stringMatching(/^f\.yml: programs\.order_router: unknown program \(REC\.IO's are trade_manager, /),
    ]);
  });

  test('the shipped order: the watchdogs before auto_entry_supervisor, which trades on their feeds', () => {
    const topology = loadTopology(COMMANDS, 'commands', RUNBOOKS);
    expect([...topology.programsNeeded('auto_entry_supervisor')].sort()).toEqual([
      'btc_price_watchdog',
      'kalshi_api_watchdog',
    ]);
    expect(restartOrderProblems(loadRunbooks(COMMANDS, 'commands'), topology, 'commands')).toEqual([]);
  });

  test('a runbook that brings a program up before one it needs is refused at load and by the check', async () => {
    const dir = commandsWith(
      defaultTopologyText().replace(
        'trade_manager: [postgresql, release]',
        'trade_manager: [postgresql, auto_entry_supervisor]',
      ),
    );
    const problemIn = (file: string, step: number) =>
      `${dir}/${file}: steps.${step}.for_each.values.0: brings trade_manager up before ` +
      'auto_entry_supervisor, which it needs (topology.yml); bring auto_entry_supervisor up first';
    // Both runbooks that bring the four back after the database: the dump restore and the PITR one.
    const problems = [problemIn('pitr-restore.yml', 3), problemIn('postgres-failure.yml', 5)];
    expect(restartOrderProblems(loadRunbooks(dir, dir), loadTopology(dir, dir, RUNBOOKS), dir)).toEqual(problems);
    const { lines, code } = await check(dir);
    expect(code).toBe(1);
    for (const problem of problems) expect(lines).toContain(`✖ ${problem}`);
  });

  test('a file that is not the schema is refused with its path', () => {
    expect(parseTopology('causes:\n  postgresql: { kind: mainframe }\n', 'f.yml', RUNBOOKS)).toEqual([
      expect.stringMatching(/^f\.yml: causes\.postgresql\.kind: /),
    ]);
  });
});

function defaultTopologyText(): string {
  return `causes:
  postgresql: { kind: db }
  kalshi: { kind: provider }
  coinbase: { kind: provider }
  release: { kind: release }
programs:
  trade_manager: [postgresql, release]
  trade_executor: [postgresql, release]
  active_trade_supervisor: [postgresql, release]
  auto_entry_supervisor: [postgresql, release, kalshi_api_watchdog, btc_price_watchdog]
  kalshi_api_watchdog: [postgresql, kalshi, release]
  btc_price_watchdog: [postgresql, coinbase, release]
feeds:
  kalshi: [kalshi_api_watchdog]
  btc_price: [btc_price_watchdog]
`;
}
