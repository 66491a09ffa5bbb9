import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ActionId, BlockId } from '@recio/bot/slack/ids';
import { breakScenario, DROPPED_TABLE, type Sandbox } from '@recio/sandbox/index';
import { pitrBaseBackup } from '@recio/sandbox/sandbox-pitr';
import { logFileOf } from '@recio/sandbox/sandbox-paths';
import { postmasterPid } from '@recio/sandbox/sandbox-postgres';
import { waitFor } from '@recio/sandbox/wait-for';
import { buttonsOf, eventually, Operators, readable } from './support/operator.js';
import { ALICE, BOB, DAVE, OPS, startStack, type E2EStack } from './support/stack.js';

/**
 * Point-in-time recovery on the sandbox, through the agent over SSH as the bot reaches it: the
 * sandbox's cluster archives its WAL to a pgBackRest repository in the sandbox's dirs; a table is
 * dropped at T and db.pitr.restore brings the cluster back to just before T, with every row written
 * before then and none written after. Targets outside the window are refused with nothing touched.
 * Last, the same through Slack: the incident's parent offers Point-in-time restore, whose modal
 * proposes the detection time minus the margin; an operator edits it, a second lead_operator types
 * it, the table comes back as of that second.
 */
let stack: E2EStack;
let sandbox: Sandbox;
/** Small: the drop is detected within seconds here, and every second of margin is writes lost. */
const MARGIN_SECONDS = 2;

interface PitrWindow {
  from: string | null;
  to: string | null;
  toSource: string;
  backups: unknown[];
}

async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: sandbox.db.url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
const dbNow = async () => (await query<{ t: Date }>('SELECT clock_timestamp() AS t'))[0]!.t;
const run = (action: string, params: Record<string, unknown>) =>
  stack.bot.core.hosts.run('sbx1', { action, params } as Parameters<E2EStack['bot']['core']['hosts']['run']>[1], {
    deadlineMs: 280_000,
  });
const window = async () => {
  const answer = await run('db.pitr.window', {});
  expect(answer.ok, answer.error?.message).toBe(true);
  return answer.data as PitrWindow;
};
const feedRows = async (table: string, target: Date) =>
  Number(
    (
      await query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ts < $1`, [new Date(target.getTime() - 500)])
    )[0]?.n,
  );
const auditLines = () => readFileSync(logFileOf(sandbox.paths, 'agent-audit'), 'utf8').trim().split('\n');

beforeAll(async () => {
  // The agent-level drop and restore above open (and heal) a database incident of their own: it
  // resolves itself 3 s after it recovered, so the Slack test's drop opens a new one.
  stack = await startStack({
    env: { RECIO_PITR_MARGIN_SECONDS: String(MARGIN_SECONDS), RECIO_INCIDENT_QUIET_MINUTES: '0.05' },
  });
  sandbox = stack.sandbox;
});

afterAll(async () => {
  await stack?.stop();
});

describe('db.pitr on the sandbox (pgBackRest)', () => {
  test('before any base backup nothing is recoverable, and a restore says so and touches nothing', async () => {
    expect(await window()).toMatchObject({ from: null, to: null, backups: [] });
    const pid = postmasterPid(sandbox.paths);
    const refused = await run('db.pitr.restore', { target: new Date(Date.now() - 60_000).toISOString() });
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('outside_window');
    expect(refused.error?.message).toContain('no base backup');
    expect(postmasterPid(sandbox.paths)).toBe(pid);
  });

  test('a base backup opens the window: oldest backup end .. newest archived WAL', async () => {
    await pitrBaseBackup(sandbox.paths, sandbox.user);
    const open = await window();
    expect(open.backups).toHaveLength(1);
    expect(Date.parse(open.from!)).toBeLessThanOrEqual(Date.parse(open.to!));
    expect(Date.parse(open.to!)).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  test('targets outside the window or malformed are refused with the window, nothing restored, audited', async () => {
    const open = await window();
    const pid = postmasterPid(sandbox.paths);
    const [before] = await query<{ n: string }>('SELECT count(*) AS n FROM trades');
    const future = await run('db.pitr.restore', { target: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.error?.code).toBe('outside_window');
    expect(future.error?.message).toMatch(/is in the future; recoverable window: .+ \.\. .+ \(UTC\)\. Nothing was/);
    const early = new Date(Date.parse(open.from!) - 3_600_000).toISOString();
    const tooEarly = await run('db.pitr.restore', { target: early });
    expect(tooEarly.error?.code).toBe('outside_window');
    expect(tooEarly.error?.message).toContain('before the oldest base backup ended');
    expect((tooEarly.data as { window: PitrWindow }).window.from).toBe(open.from);
    const local = await run('db.pitr.restore', { target: '2026-11-27 16:59:59' });
    expect(local.error?.code).toBe('invalid_params');
    expect(local.error?.message).toContain('expected a UTC time');
    expect(postmasterPid(sandbox.paths)).toBe(pid);
    expect((await query<{ n: string }>('SELECT count(*) AS n FROM trades'))[0]?.n).toBe(before?.n);
    const refusals = auditLines()
      .map((line) => JSON.parse(line) as { action: string; error?: { code: string } })
      .filter((e) => e.action === 'db.pitr.restore' && e.error !== undefined);
    // The malformed one never left the bot (its params are checked before sending); the agent logged the rest.
    expect(refusals.map((e) => e.error?.code)).toEqual(['outside_window', 'outside_window', 'outside_window']);
  });

  test('a table dropped at T comes back by restoring to just before T, with every row written before', async () => {
    await query("INSERT INTO trades (symbol) SELECT 'PITR-' || n FROM generate_series(1, 50) n");
    const lastWrite = await dbNow();
    // The target is a second after our last write; the drop comes after it, on the database's clock.
    await waitFor('the database clock 1.5 s past the last write', 20_000, async () =>
      (await dbNow()).getTime() > lastWrite.getTime() + 1_500 ? true : undefined,
    );
    const target = new Date(lastWrite.getTime() + 1_000);
    // Feed rows stamped half a second before the target were committed before it (a write takes milliseconds).
    const before = {
      prices: await feedRows('btc_price_log', target),
      snapshots: await feedRows(DROPPED_TABLE, target),
    };
    expect(before.snapshots).toBeGreaterThan(0);
    const [dropped] = await query<{ t: Date }>('SELECT now() AS t');
    await query(`DROP TABLE ${DROPPED_TABLE}`);
    await query("INSERT INTO trades (symbol) VALUES ('AFTER-DROP')");
    expect(dropped!.t.getTime()).toBeGreaterThan(target.getTime());

    const restored = await run('db.pitr.restore', { target: target.toISOString() });
    expect(restored.ok, restored.error?.message).toBe(true);
    expect(restored.data).toMatchObject({ restoredTo: target.toISOString(), tables: { missing: [] } });

    expect(await feedRows(DROPPED_TABLE, target)).toBe(before.snapshots);
    expect(await feedRows('btc_price_log', target)).toBe(before.prices);
    const marked = await query<{ symbol: string }>("SELECT symbol FROM trades WHERE symbol LIKE 'PITR-%'");
    expect(marked).toHaveLength(50);
    expect(await query("SELECT 1 FROM trades WHERE symbol = 'AFTER-DROP'")).toEqual([]);
    // The cluster is a primary again and archives on its new timeline.
    expect((await query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
  });
});

describe('pitr-restore through Slack', () => {
  const mention = (text: string, threadTs: string) =>
    stack.slack.deliver.userMessage({
      user: ALICE,
      channel: OPS,
      text: `<@${stack.slack.workspace.bot.userId}> ${text}`,
      threadTs,
    });

  test('a target before the oldest base backup is refused with the window before approval, audited', async () => {
    const posted = await stack.slack.deliver.userMessage({ user: ALICE, channel: OPS, text: 'pitr check' });
    await mention('run pitr-restore 2020-01-01T00:00:00Z', posted.message.ts);
    const entry = await eventually(async () => {
      const [found] = await stack.bot.core.store.audit.list({ action: 'step.refused' });
      if (found === undefined) throw new Error('no step.refused audit row yet');
      return found;
    }, 60_000);
    const runId = (entry.detail as { run: string }).run;
    const run = await eventually(async () => {
      const got = await stack.bot.core.store.runs.get(runId);
      if (got?.state !== 'failed') throw new Error(`run is ${got?.state}`);
      return got;
    });
    expect(run.scenario).toBe('pitr-restore');
    const steps = await stack.bot.core.store.runs.steps(run.id);
    expect(steps.map((s) => [s.action, s.state])).toEqual([
      ['db.pitr.window', 'succeeded'],
      ['db.pitr.restore', 'failed'],
      ...Array(2).fill(['service.start', 'pending']),
      ...Array(4).fill(['service.restart', 'pending']),
    ]);
    // Never sent: the agent's own audit log has no request for that target.
    expect(auditLines().some((line) => line.includes('2020-01-01T00:00:00Z'))).toBe(false);
    expect(steps[1]?.result).toMatchObject({ error: { code: 'refused' } });
    const timeline = (await stack.bot.core.store.timeline.list({ runId: run.id })).map((e) => e.text).join('\n');
    expect(timeline).toMatch(
      /refused, nothing ran: cannot recover to 2020-01-01T00:00:00Z: .*before the oldest base backup/,
    );
    expect(timeline).toMatch(/recoverable window: \S+ \.\. \S+ \(UTC\)/);
    // The person who asked sees why in the thread: the run message says it under the refused step.
    await eventually(() =>
      expect(stack.slack.state.repliesTo(OPS, posted.message.ts).map(readable).join('\n')).toMatch(
        /cannot recover to 2020-01-01T00:00:00Z: .*before the oldest base backup/,
      ),
    );
  });

  test('a dropped table: Point-in-time restore proposes detection minus the margin, alice edits it, bob types it, ' +
    'the table is back as of that second; no role or a malformed time starts nothing', async () => {
    const ops = new Operators(stack);
    const [before] = await query<{ n: string }>(`SELECT count(*) AS n FROM ${DROPPED_TABLE}`);
    expect(Number(before?.n)).toBeGreaterThan(0);
    await waitFor('no database incident left open from the tests above', 120_000, async () =>
      (await stack.bot.core.store.incidents.findUnresolved('db:sbx1')) === undefined ? true : undefined,
    );
    const brokeAt = new Date();
    await breakScenario(sandbox, 'postgres-failure', { variant: 'drop-table' });
    const { incident, parent } = await ops.incidentPosted('db:sbx1');
    expect(incident.openedAt.getTime()).toBeGreaterThanOrEqual(brokeAt.getTime() - 1_000);
    expect(buttonsOf(parent)).toContain(ActionId.pitrRestore);
    const pitrRuns = async () => (await ops.runsOf(incident.id)).filter((r) => r.scenario === 'pitr-restore');

    // Someone without the operate role: refused in the modal and privately, audited, no window read.
    await ops.expectRefusedModal(DAVE, parent, ActionId.pitrRestore, incident.id);

    // The modal: the window read now, the target proposed from the incident and prefilled.
    const modal = await ops.openPitrModal(ALICE, parent);
    const expected = new Date(Math.floor(incident.openedAt.getTime() / 1000) * 1000 - MARGIN_SECONDS * 1000);
    const typedOf = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
    const field = (modal.view.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }>).find(
      (b) => b.block_id === BlockId.pitrTarget,
    );
    expect(field?.element?.initial_value).toBe(typedOf(expected));
    const shown = readable({ text: '', blocks: modal.view.blocks as unknown[] });
    expect(shown).toMatch(/\*Recoverable window\* on `sbx1` \(UTC\): \S+ \S+ \.\. \S+ \S+/);
    expect(shown).toContain('The *whole cluster* rewinds to that second');
    expect(JSON.parse(String(modal.view.private_metadata))).toMatchObject({ channel: OPS, incidentId: incident.id });

    // A malformed time: the error under the field, the modal stays open, audited, nothing started.
    await ops.submitPitrTarget(ALICE, '2026-13-45 25:61');
    await eventually(() =>
      expect(stack.slack.state.openModal(ALICE)?.errors?.[BlockId.pitrTarget]).toContain('Expected a UTC time'),
    );
    expect(stack.slack.state.openModal(ALICE)?.id).toBe(modal.id);
    const refused = await eventually(async () => {
      const rows = await stack.storeDb.query(
        `SELECT actor, target, detail FROM audit_log WHERE action = 'request.refused' ORDER BY id DESC LIMIT 1`,
      );
      expect(rows.rows[0]?.detail).toMatchObject({ reason: 'bad_pitr_target' });
      return rows.rows[0];
    });
    expect(refused).toMatchObject({ actor: ALICE, target: `incident:${incident.id}` });
    expect(await pitrRuns()).toEqual([]);

    // Edited to three seconds earlier (the damage may have begun before it was seen), as ISO this time.
    const edited = new Date(expected.getTime() - 3_000);
    const target = edited.toISOString().replace('.000Z', 'Z');
    await ops.submitPitrTarget(ALICE, target);
    const approval = await ops.replyWithButton(
      parent,
      'Rewind the database to the target time',
      ActionId.approve,
      90_000,
    );
    expect(readable(approval)).toContain(`Rewinds *the whole cluster* to \`${target}\``);
    expect(readable(approval)).toContain("*Point-in-time restore* on the incident's parent message");
    const kept = await feedRows('btc_price_log', edited);
    await ops.approve(BOB, approval, typedOf(edited));
    const run = await ops.runEnded(incident.id, 'pitr-restore', 240_000);
    expect(run.state, await ops.describeRun(run)).toBe('succeeded');
    expect(await pitrRuns()).toHaveLength(1);
    const restore = (await stack.bot.core.store.runs.steps(run.id)).find((s) => s.action === 'db.pitr.restore')!;
    expect(restore.params).toMatchObject({ target });
    expect(await feedRows(DROPPED_TABLE, edited)).toBeGreaterThan(0);
    expect(await feedRows('btc_price_log', edited)).toBe(kept);
  }, 300_000);
});
