import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { buttonsOf, readable, runs, until } from './helpers.js';

/**
 * The App Home with the real bot: Bolt's receiver, the emulator as Slack (app_home_opened,
 * views.publish through its Block Kit validator, chat.getPermalink, clicks in the Home), a real
 * host (sshd + agent + supervisord + a REC.IO database with fresh feed rows) and a second host
 * whose sshd is down.
 */
let bot: BotHarness;
let recio: TestDatabase;

beforeAll(async () => {
  recio = await createTestDatabase('recio_app');
  await recio.query(`
    CREATE TABLE trades (id serial PRIMARY KEY, symbol text NOT NULL);
    CREATE TABLE btc_price_log (ts timestamptz NOT NULL DEFAULT now(), price numeric NOT NULL);
    CREATE TABLE kalshi_market_snapshots (ts timestamptz NOT NULL DEFAULT now(), market text NOT NULL);
    INSERT INTO btc_price_log (price) VALUES (97000);
    INSERT INTO kalshi_market_snapshots (market) VALUES ('KXBTC-100K');`);
  bot = await startBot({
    fleet: [
      {
        name: 'db1',
        roles: ['db', 'app', 'web'],
        host: {
          agentConfig: {
            db: {
              status: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'],
              psql: recio.psql,
              pgDump: recio.pgDump,
              expectedTables: ['trades', 'btc_price_log', 'kalshi_market_snapshots'],
              feeds: {
                btc_price: { table: 'btc_price_log', column: 'ts' },
                kalshi: { table: 'kalshi_market_snapshots', column: 'ts' },
              },
            },
          },
        },
      },
      // Not an app host: with two, a restart must name its host, and the service picker has no host field.
      { name: 'web2', roles: ['web'] },
    ],
    // The bot reads every host within 4 s and shows what did not answer in time as ✖: on a loaded
    // machine db.status (pg_isready, then a query) missed it once. These tests are about what a
    // full reading shows; web2 still answers at once (its sshd refuses the connection).
    home: { readDeadlineMs: 30_000 },
  });
  // web2 dies before anyone asked it anything: its Home line must say so without holding the rest.
  await bot.testHosts.web2!.sshd.stop();
}, 180_000);
afterAll(async () => {
  await bot?.testHosts.db1?.supervisor.setMode('trade_executor', 'ok');
  await bot?.stop();
  await recio?.drop();
});

const home = (user: string) => bot.slack.state.homeOf(user);
const homeText = (user: string) => {
  const view = home(user);
  return view ? readable({ text: '', blocks: view.view.blocks as never }) : '';
};
const homeButtons = (user: string) => buttonsOf({ blocks: (home(user)?.view.blocks ?? []) as never });
const opens = () =>
  bot.slack.state.deliveries.filter(
    (d) => (d.payload as { event?: { type?: string } } | undefined)?.event?.type === 'app_home_opened',
  ).length;
const agentLines = async () =>
  (await readFile(bot.testHosts.db1!.agentAuditLog, 'utf8')).split('\n').filter((l) => l !== '').length;

describe('the App Home', () => {
  test(
    'opening it publishes at once, then every program with its state, the database, feed and backup readings; ' +
      'a dead host is ✖ with why',
    async () => {
      await bot.slack.deliver.openHome({ user: 'alice' });
      await until(() => expect(homeText(PEOPLE.alice)).toContain('trade_executor'));
      // The first publish did not wait for the hosts.
      expect(JSON.stringify(home(PEOPLE.alice)!.history[0])).toContain('reading the hosts');
      const text = homeText(PEOPLE.alice);
      for (const program of [
        'trade_manager',
        'trade_executor',
        'active_trade_supervisor',
        'auto_entry_supervisor',
        'kalshi_api_watchdog',
        'btc_price_watchdog',
      ]) {
        expect(text).toMatch(new RegExp(`\`${program}\` \\*RUNNING\\* — pid \\d+`));
      }
      expect(text).toContain('*db1* · db, app, web — 6/6 programs running');
      expect(text).toContain('PostgreSQL answers');
      expect(text).toContain('all 3 tables present');
      expect(text).toMatch(/:large_green_circle: btc_price newest row [\d.]+ (ms|s) old/);
      expect(text).toMatch(/:large_green_circle: kalshi newest row [\d.]+ (ms|s) old/);
      expect(text).toContain('no database dump at all');
      expect(text).toMatch(/:heavy_multiplication_x: \*web2\* · web — could not be read: .+/);
      expect(text).toContain('*Open incidents*\n:white_check_mark: None.');
    },
  );

  test(
    'a lead_operator gets the operate buttons; someone without a role gets none, is told why, ' +
      'and no host is asked for them',
    async () => {
      expect(homeButtons(PEOPLE.alice)).toEqual([
        ActionId.homeChecklist,
        ActionId.homeBackup,
        ActionId.homeRestart,
        ActionId.startDrill,
      ]);
      expect(homeText(PEOPLE.alice)).toContain('Last drill: *never* · next in turn: postgres-failure');
      const asked = await agentLines();
      await bot.slack.deliver.openHome({ user: 'dave' });
      await until(() => expect(homeText(PEOPLE.dave)).toContain("You hold none of the plan's roles"));
      expect(homeButtons(PEOPLE.dave)).toEqual([]);
      expect(homeText(PEOPLE.dave)).not.toContain('trade_executor');
      expect(await agentLines()).toBe(asked);
    },
  );

  test(
    'a crash opens an incident: the Home shows it with a link to its thread, ' + 'without being opened again',
    async () => {
      const host = bot.testHosts.db1!;
      await host.supervisor.setMode('trade_executor', 'crash');
      process.kill((await host.supervisor.program('trade_executor')).pid!, 'SIGKILL');
      await host.supervisor.waitFor('trade_executor', 'FATAL');
      const openedBefore = opens();
      const { desk } = bot;
      const { incident } = await desk.reportFailure({
        kind: 'program',
        host: 'db1',
        subject: 'trade_executor',
        state: 'FATAL',
        detail: 'trade_executor is FATAL on db1 (Exited too quickly)',
      });
      await until(async () => expect((await bot.store.incidents.get(incident.id))?.threadTs).toBeTruthy());
      const threadTs = (await bot.store.incidents.get(incident.id))!.threadTs!;
      const link = `https://recio-dr.slack.com/archives/${OPS}/p${threadTs.replace('.', '')}`;
      await until(() => expect(homeText(PEOPLE.alice)).toContain(`<${link}|open its thread>`));
      expect(homeText(PEOPLE.alice)).toContain(incident.title);
      expect(homeButtons(PEOPLE.alice)).toEqual([
        ActionId.homeChecklist,
        ActionId.homeBackup,
        ActionId.homeRestart,
        ActionId.startDrill,
        ActionId.ackIncident,
        ActionId.openChecklist,
      ]);
      expect(opens()).toBe(openedBefore);
      // Acknowledging from the thread changes the incident: the Home follows, still unopened.
      await bot.slack.deliver.click({ user: 'bob', channel: OPS, ts: threadTs, actionId: ActionId.ackIncident });
      await until(() => expect(homeText(PEOPLE.alice)).toContain(`${incident.title}* — acknowledged`));
      expect(homeButtons(PEOPLE.alice)).not.toContain(ActionId.ackIncident);
      expect(opens()).toBe(openedBefore);
      await host.supervisor.setMode('trade_executor', 'ok');
    },
  );

  test(
    'Back up now in the Home: the backup runs and is told in the ops channel; ' +
      'the answer is at the top of the Home',
    async () => {
      await bot.slack.deliver.click({ user: 'alice', actionId: ActionId.homeBackup, home: true });
      await until(async () => expect((await runs(bot)).find((r) => r.scenario === 'backup')).toBeDefined());
      const run = (await runs(bot)).find((r) => r.scenario === 'backup')!;
      expect(run.requested_by).toBe(PEOPLE.alice);
      await until(() =>
        expect(homeText(PEOPLE.alice)).toMatch(
          new RegExp(
            `:speech_balloon: :arrow_forward: Started \\*.+\\* \\(run \`${run.id.slice(0, 8)}\`\\)\\. ` +
              `Its live message is in <#${OPS}>`,
          ),
        ),
      );
      await until(() =>
        expect(bot.slack.state.messagesIn(OPS).some((m) => readable(m).includes(`run \`${run.id.slice(0, 8)}\``))).toBe(
          true,
        ),
      );
    },
  );

  test(
    'Restart a service… opens the service picker; ' +
      'its submission restarts in the ops channel and answers in the Home',
    async () => {
      const before = (await bot.testHosts.db1!.supervisor.program('trade_manager')).pid;
      await bot.slack.deliver.click({ user: 'alice', actionId: ActionId.homeRestart, home: true });
      await until(() =>
        expect(bot.slack.state.openModal(PEOPLE.alice)?.view.callback_id).toBe(CallbackId.serviceModal),
      );
      await bot.slack.deliver.submitView({ user: 'alice', values: { [BlockId.service]: 'trade_manager' } });
      await until(async () =>
        expect((await runs(bot)).find((r) => r.scenario === 'adhoc:service.restart')?.state).toBe('succeeded'),
      );
      expect((await bot.testHosts.db1!.supervisor.program('trade_manager')).pid).not.toBe(before);
      await until(() => expect(homeText(PEOPLE.alice)).toContain('Started *Restart trade_manager on db1*'));
    },
  );
});
