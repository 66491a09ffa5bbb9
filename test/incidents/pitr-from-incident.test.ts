import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Incident } from '@recio/bot/domain/index';
import { proposeTarget } from '@recio/bot/runbooks/pitr-choice';
import { ALICE, MALLORY, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { ownedTempDir } from '../support/leftovers.js';
import { until } from '../support/monitor-fixture.js';

/**
 * Point-in-time restore from an incident's parent, in the core: the offer (the window read from the
 * db host, the target proposed from the incident) and the submission (the typed time checked, then
 * pitr-restore through the desk). The fixture's db host has a pgBackRest stand-in with no stanza: its
 * window cannot be read. A test can hold that read in flight (`holdWindowRead`).
 */
let f: EngineFixture;
let incident: Incident;

let gateDir: string;

beforeAll(async () => {
  gateDir = await ownedTempDir('pitr-gate');
  const pgbackrest = await writePgbackrestStandIn(gateDir);
  f = await startEngineFixture({ db: { pitr: { enabled: true, pgbackrest: [pgbackrest] } } });
  ({ incident } = await f.store.incidents.openOrJoin({
    fingerprint: 'db:db1',
    kind: 'incident',
    title: 'Database tables missing on db1: positions',
    severity: 'sev1',
    openedBy: 'monitor',
    scenario: 'postgres-failure',
    channel: 'COPS00001',
  }));
  await f.store.incidents.setThread(incident.id, 'COPS00001', '1732600000.000200');
});
afterAll(async () => {
  await f?.stop();
  if (gateDir !== undefined) await rm(gateDir, { recursive: true, force: true });
});

/** The incident's runs, as its timeline names them. */
const pitrRuns = async () => {
  const events = await f.store.timeline.list({ incidentId: incident.id });
  const ids = [...new Set(events.map((e) => e.runId).filter((id): id is string => id !== null))];
  const runs = await Promise.all(ids.map((id) => f.store.runs.get(id)));
  return runs.filter((r) => r?.scenario === 'pitr-restore');
};

describe('Point-in-time restore from an incident', () => {
  test('the offer: refused without the operate role; a window unread is said, the target proposed', async () => {
    expect((await f.ops.pitrOffer(incident.id, await f.actor(MALLORY), f.origin('pitr-mallory'))).type).toBe('denied');
    const offer = await f.ops.pitrOffer(incident.id, await f.actor(ALICE), f.origin('pitr-offer'));
    if (offer.type !== 'pitr_offer') throw new Error(`expected the offer, got ${JSON.stringify(offer)}`);
    expect(offer).toMatchObject({ host: 'db1', window: null, marginSeconds: 60 });
    expect(offer.error).toBeTruthy();
    expect(offer.proposed).toBe(proposeTarget(incident.openedAt, 60));
  });

  test('a malformed time is refused and audited, nothing started', async () => {
    const answer = await f.ops.restoreToTime(incident.id, '27/11/2026 16:59', await f.actor(ALICE), f.origin('bad'));
    expect(answer).toEqual({
      type: 'text',
      text: 'Expected a UTC time like 2026-11-27 16:59:59 or 2026-11-27T16:59:59Z. Nothing was started.',
    });
    const [row] = await f.store.audit.list({ action: 'request.refused' });
    expect(row).toMatchObject({ actor: ALICE, target: `incident:${incident.id}` });
    expect(row?.detail).toMatchObject({ reason: 'bad_pitr_target', typed: '27/11/2026 16:59' });
    expect(await pitrRuns()).toEqual([]);
  });

  test('a submitted time runs pitr-restore in the thread, acknowledged; a submit meanwhile joins it', async () => {
    // The window read is held until both submits are answered: "meanwhile" is an event here, not a
    // guess at how fast the fixture's host fails (a run that has ended makes the next submit a new one).
    const alice = await f.actor(ALICE);
    const gate = await holdWindowRead();
    const [first, again] = await gate.whileHeld(async () => {
      const one = await f.ops.restoreToTime(incident.id, '2026-11-27 16:59:59', alice, f.origin('pitr-1'));
      await gate.entered();
      return [one, await f.ops.restoreToTime(incident.id, '2026-11-27T16:59:58Z', alice, f.origin('pitr-2'))];
    });
    if (first.type !== 'run' || again.type !== 'run') throw new Error('expected runs');
    expect(again.run.id).toBe(first.run.id);
    expect(again.created).toBe(false);
    expect(first.run).toMatchObject({
      scenario: 'pitr-restore',
      incidentId: incident.id,
      threadTs: '1732600000.000200',
      params: { target: '2026-11-27T16:59:59Z' },
    });
    const steps = await f.store.runs.steps(first.run.id);
    expect(steps.find((s) => s.action === 'db.pitr.restore')?.params).toMatchObject({ target: '2026-11-27T16:59:59Z' });
    expect((await f.store.incidents.get(incident.id))?.status).toBe('acknowledged');
    // The held window read then fails (no stanza): the run stops there, and nothing was restored.
    const ended = await first.done;
    expect(ended.state).toBe('failed');
    const after = await f.store.runs.steps(first.run.id);
    expect(after.find((s) => s.action === 'db.pitr.window')?.state).toBe('failed');
    expect(after.find((s) => s.action === 'db.pitr.restore')?.state).toBe('pending');
    expect(await pitrRuns()).toHaveLength(1);
  }, 120_000);

  test('a submit after that run ended is a new attempt, not the failed run again', async () => {
    const [ended] = await pitrRuns();
    if (ended === undefined) throw new Error('the previous test left no run');
    expect(ended.state).toBe('failed');
    const retry = await f.ops.restoreToTime(
      incident.id,
      '2026-11-27 16:59:59',
      await f.actor(ALICE),
      f.origin('pitr-3'),
    );
    if (retry.type !== 'run') throw new Error(`expected a run, got ${JSON.stringify(retry)}`);
    expect(retry.created).toBe(true);
    expect(retry.run.id).not.toBe(ended.id);
    expect((await retry.done).state).toBe('failed');
    expect(await pitrRuns()).toHaveLength(2);
  }, 120_000);
});

/**
 * pgBackRest as the fixture's host runs it: `info` fails as with no stanza. While the test's `hold`
 * mark exists, a call first marks that it came and waits for the mark to go.
 */
async function writePgbackrestStandIn(dir: string): Promise<string> {
  await chmod(dir, 0o777); // the agent's account writes the mark
  const script = join(dir, 'pgbackrest');
  const [hold, entered] = [join(dir, 'hold'), join(dir, 'entered')];
  await writeFile(
    script,
    [
      '#!/bin/sh',
      `if [ -e '${hold}' ]; then`,
      `  : > '${entered}'`,
      `  while [ -e '${hold}' ]; do /bin/sleep 0.05; done`,
      'fi',
      "echo 'stanza: recio: no such stanza' >&2",
      'exit 1',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return script;
}

/**
 * Holds the window reads while `work` runs (released however it ends); `entered` waits until one has
 * reached pgBackRest.
 */
async function holdWindowRead(): Promise<{
  entered(): Promise<void>;
  whileHeld<T>(work: () => Promise<T>): Promise<T>;
}> {
  const [hold, entered] = [join(gateDir, 'hold'), join(gateDir, 'entered')];
  return {
    entered: async () => {
      await until('the window read reaching pgBackRest', async () => (existsSync(entered) ? true : undefined));
    },
    whileHeld: async (work) => {
      await writeFile(hold, '');
      try {
        return await work();
      } finally {
        await rm(hold, { force: true });
      }
    },
  };
}
