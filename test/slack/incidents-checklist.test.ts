import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { incidentPostKey } from '@recio/bot/runbooks/run-notices';
import { ActionId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { readPng } from '../support/png.js';
import { auditRows, buttonsOf, readable, runs, until } from './helpers.js';

/**
 * An incident's parent message and its buttons, and the Recovery Verification Checklist ticking
 * live in the incident's thread: real host, real REC.IO database with fresh feed rows, a web UI
 * and providers that answer 200.
 */
let bot: BotHarness;
let recio: TestDatabase;
let stub: Server;

beforeAll(async () => {
  recio = await createTestDatabase('recio_app');
  await recio.query(`
    CREATE TABLE trades (id serial PRIMARY KEY, symbol text NOT NULL);
    CREATE TABLE btc_price_log (ts timestamptz NOT NULL DEFAULT now(), price numeric NOT NULL);
    CREATE TABLE kalshi_market_snapshots (ts timestamptz NOT NULL DEFAULT now(), market text NOT NULL);
    INSERT INTO btc_price_log (price) VALUES (97000);
    INSERT INTO kalshi_market_snapshots (market) VALUES ('KXBTC-100K');`);
  stub = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
  await new Promise<void>((done) => stub.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/health`;
  bot = await startBot({
    fleet: [
      {
        name: 'db1',
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
    ],
    checks: { providers: { kalshi: url, coinbase: url }, webUrl: url },
  });
}, 180_000);
afterAll(async () => {
  await bot?.stop();
  await recio?.drop();
  await new Promise<void>((done) => (stub ? stub.close(() => done()) : done()));
});

const parentOf = async (incidentId: string) => {
  const ts = (await bot.store.outbox.getByDedupeKey(incidentPostKey(incidentId)))?.slackTs;
  return ts ? bot.slack.state.message(OPS, ts) : undefined;
};
const click = (user: string, ts: string, actionId: string) =>
  bot.slack.deliver.click({ user, channel: OPS, ts, actionId });
const lastEphemeral = (user: string) => readable(bot.slack.state.ephemeralsFor(user, OPS).at(-1) ?? { text: '' });
let declared: string;

describe('an incident declared by hand', () => {
  test(
    'its parent message says what, where, since when, how bad, with Acknowledge and Open checklist; ' +
      'its ts becomes the thread',
    async () => {
      await bot.slack.deliver.slashCommand({
        user: 'alice',
        channel: OPS,
        text: 'incident open Kalshi snapshots look stale',
      });
      await until(async () => expect((await bot.store.incidents.listUnresolved())[0]?.threadTs).toBeTruthy());
      const incident = (await bot.store.incidents.listUnresolved())[0]!;
      declared = incident.id;
      const parent = (await parentOf(incident.id))!;
      expect(incident.threadTs).toBe(parent.ts);
      expect(readable(parent)).toMatch(/What failed\*\nKalshi snapshots look stale/);
      expect(readable(parent)).toContain('SEV2');
      expect(buttonsOf(parent)).toEqual([ActionId.ackIncident, ActionId.openChecklist]);
    },
  );

  test(
    'Acknowledge: refused without the role (audited); a lead_operator acknowledges once and the ' + 'button goes',
    async () => {
      const parent = (await parentOf(declared))!;
      await click('dave', parent.ts, ActionId.ackIncident);
      await until(() => expect(lastEphemeral(PEOPLE.dave)).toContain('Not allowed'));
      expect((await bot.store.incidents.get(declared))?.status).toBe('open');
      await Promise.all([
        click('alice', parent.ts, ActionId.ackIncident),
        click('bob', parent.ts, ActionId.ackIncident),
      ]);
      await until(() =>
        expect(readable(bot.slack.state.message(OPS, parent.ts)!)).toMatch(
          /Acknowledged by <@U0(ALICE0001|BOB000001)>/,
        ),
      );
      expect(buttonsOf(bot.slack.state.message(OPS, parent.ts)!)).toEqual([ActionId.openChecklist]);
      expect(await auditRows(bot, 'incident.acknowledged')).toHaveLength(1);
      expect((await bot.store.incidents.get(declared))?.status).toBe('acknowledged');
    },
  );

  test(
    'Open checklist: the checklist ticks itself in the thread, waits for the manual item, and is ' +
      'green only once it is confirmed',
    async () => {
      const parent = (await parentOf(declared))!;
      await click('bob', parent.ts, ActionId.openChecklist);
      await until(
        async () => expect((await runs(bot)).at(-1)).toMatchObject({ scenario: 'verify', state: 'awaiting_approval' }),
        { timeout: 60_000, interval: 250 },
      );
      const checklist = () =>
        bot.slack.state.repliesTo(OPS, parent.ts).find((m) => readable(m).includes('Recovery Verification Checklist'));
      await until(() => expect(readable(checklist()!)).toMatch(/Checking — 5 of 6 items done/));
      expect(readable(checklist()!).match(/:white_check_mark:/g)).toHaveLength(5);
      expect(readable(checklist()!)).not.toContain('*GREEN*');
      expect(buttonsOf(checklist()!)).toEqual([ActionId.confirmStep]);
      expect((await bot.store.runs.get((await runs(bot)).at(-1)!.id))?.incidentId).toBe(declared);
      await click('dave', checklist()!.ts, ActionId.confirmStep);
      await until(() => expect(lastEphemeral(PEOPLE.dave)).toContain('Not allowed'));
      await click('bob', checklist()!.ts, ActionId.confirmStep);
      await until(() => expect(readable(checklist()!)).toContain(':large_green_circle: *GREEN* — every item passed.'));
      expect((await runs(bot)).at(-1)?.state).toBe('succeeded');
    },
  );

  test(
    'green and healthy: Resolve is offered; resolving posts the report in the thread; the architect ' +
      'writes the root cause in a modal',
    async () => {
      const parent = (await parentOf(declared))!;
      // The desk offers Resolve when a probe reports healthy or the checklist's first pass ends green;
      // this checklist ended on the hand-ticked item, so the probe's part is played here.
      await bot.desk.offerResolveIfReady(declared);
      await until(() =>
        expect(buttonsOf(bot.slack.state.message(OPS, parent.ts)!)).toContain(ActionId.resolveIncident),
      );
      const resolveClick = await click('bob', parent.ts, ActionId.resolveIncident);
      await until(() =>
        expect(readable(bot.slack.state.message(OPS, parent.ts)!)).toContain(`*Resolved* by <@${PEOPLE.bob}>`),
      );
      expect(lastEphemeral(PEOPLE.bob)).toMatch(/Resolved: Kalshi snapshots look stale\. Time to acknowledge/);
      await until(() =>
        expect(bot.slack.state.files.find((f) => f.completed && f.threadTs === parent.ts)?.filename).toBe(
          `incident-${declared.slice(0, 8)}.md`,
        ),
      );
      expect(buttonsOf(bot.slack.state.message(OPS, parent.ts)!)).toEqual([ActionId.rootCause]);
      // Beside the Markdown, in the same share: the timeline picture, a PNG that decodes.
      const picture = `incident-${declared.slice(0, 8)}-timeline.png`;
      const report = bot.slack.state.files.find((f) => f.filename === `incident-${declared.slice(0, 8)}.md`)!;
      const png = bot.slack.state.files.find((f) => f.filename === picture && f.completed)!;
      expect(png.threadTs).toBe(parent.ts);
      const shared = bot.slack.state.messagesIn(OPS).find((m) => m.files?.includes(png.id));
      expect(shared?.files).toEqual([report.id, png.id]);
      const { width, height, pixels } = readPng(png.content!);
      expect(width).toBeGreaterThan(800);
      expect(height).toBeGreaterThan(150);
      expect(pixels.length).toBe(width * height * 4);
      expect(png.altText).toMatch(/^Timeline of Kalshi snapshots look stale \(UTC\): detected .*resolved/);
      // The click delivered again (a proxy replaying it, a second replica), and a second resolve
      // that gets past delivery (the desk's own guard): still one report, one picture.
      await bot.slack.deliver.resend(resolveClick.id);
      const again = await bot.desk.resolve(
        declared,
        { id: PEOPLE.bob, roles: ['lead_operator'] },
        {
          surface: 'slack',
          channel: OPS,
          deliveryKey: 'test:resolve-again',
          requestId: 'resolve-again',
        },
      );
      expect(again).toMatchObject({ text: expect.stringContaining('Already resolved') });
      await bot.publisher.drain();
      expect(
        bot.slack.state.files.filter((f) => f.filename.startsWith(`incident-${declared.slice(0, 8)}`)),
      ).toHaveLength(2);
      expect(bot.slack.state.files.filter((f) => f.filename === picture)).toHaveLength(1);

      await click('dave', parent.ts, ActionId.rootCause);
      await until(() =>
        expect(lastEphemeral(PEOPLE.dave)).toContain(
          'Not allowed: the root cause and follow-ups are for the system_architect',
        ),
      );
      // The form opened at once (the role lookup comes after) says the same, and is no form.
      await until(() => expect(bot.slack.state.openModal(PEOPLE.dave)?.view.callback_id).toBe('recio_notice_modal'));
      await click('bob', parent.ts, ActionId.rootCause);
      await until(() => expect(bot.slack.state.openModal(PEOPLE.bob)?.view.callback_id).toBe('recio_root_cause_modal'));
      await bot.slack.deliver.submitView({
        user: 'bob',
        values: {
          recio_root_cause: 'The Kalshi websocket token expired overnight.',
          recio_follow_ups: 'Alert on token expiry a day ahead.',
        },
      });
      await until(async () =>
        expect((await bot.store.incidents.get(declared))?.report).toContain(
          'The Kalshi websocket token expired overnight.',
        ),
      );
      expect((await auditRows(bot, 'incident.root_cause')).at(-1)).toMatchObject({ actor: PEOPLE.bob });
    },
  );
});

describe('an incident opened by the monitor', () => {
  test('Run recovery starts its runbook in the incident thread, once however often it is clicked', async () => {
    const { incident } = await bot.store.incidents.openOrJoin({
      fingerprint: 'backup-stale:db1',
      kind: 'incident',
      title: 'Newest backup is 30 h old',
      severity: 'sev3',
      openedBy: 'monitor',
      scenario: 'backup',
      channel: OPS,
    });
    await bot.store.outbox.enqueue({
      dedupeKey: incidentPostKey(incident.id),
      channel: OPS,
      kind: 'post',
      payload: { text: incident.title, event: { type: 'incident', incidentId: incident.id } },
    });
    bot.publisher.wake();
    await until(async () =>
      expect(buttonsOf((await parentOf(incident.id)) ?? { blocks: [] })).toEqual([
        ActionId.ackIncident,
        ActionId.runRecovery,
        ActionId.openChecklist,
      ]),
    );
    const parent = (await parentOf(incident.id))!;
    const before = (await runs(bot)).length;
    await Promise.all([
      click('alice', parent.ts, ActionId.runRecovery),
      click('alice', parent.ts, ActionId.runRecovery),
    ]);
    await until(async () => expect((await runs(bot)).length).toBe(before + 1));
    const run = (await runs(bot)).at(-1)!;
    expect(run.scenario).toBe('backup');
    expect((await bot.store.runs.get(run.id))?.incidentId).toBe(incident.id);
    await until(() =>
      expect(bot.slack.state.repliesTo(OPS, parent.ts).map(readable).join('\n')).toContain('Back up the database now'),
    );
    expect(bot.slack.state.ephemeralsFor(PEOPLE.alice, OPS).slice(-2).map(readable).join('\n')).toMatch(
      /not run twice/,
    );
    expect((await runs(bot)).length).toBe(before + 1);
  });
});
