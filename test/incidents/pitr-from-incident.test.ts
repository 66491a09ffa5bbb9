import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Incident } from '@recio/bot/domain/index';
import { proposeTarget } from '@recio/bot/runbooks/pitr-choice';
import { ALICE, MALLORY, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';

/**
 * Point-in-time restore from an incident's parent, in the core: the offer (the window read from the
 * db host, the target proposed from the incident) and the submission (the typed time checked, then
 * pitr-restore through the desk). The fixture's db host has no pgBackRest: its window cannot be read.
 */
let f: EngineFixture;
let incident: Incident;

beforeAll(async () => {
  f = await startEngineFixture();
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
});

/** The incident's runs, as its timeline names them. */
const pitrRuns = async () => {
  const events = await f.store.timeline.list({ incidentId: incident.id });
  const ids = [...new Set(events.map((e) => e.runId).filter((id): id is string => id !== null))];
  const runs = await Promise.all(ids.map((id) => f.store.runs.get(id)));
  return runs.filter((r) => r?.scenario === 'pitr-restore');
};

describe('Point-in-time restore from an incident', () => {
  test('the offer: refused without the operate role; a host without PITR is said so, the target proposed', async () => {
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

  test('a submitted time runs pitr-restore in the thread, acknowledged; a double submit is one run', async () => {
    const alice = await f.actor(ALICE);
    const first = await f.ops.restoreToTime(incident.id, '2026-11-27 16:59:59', alice, f.origin('pitr-1'));
    const again = await f.ops.restoreToTime(incident.id, '2026-11-27T16:59:58Z', alice, f.origin('pitr-2'));
    if (first.type !== 'run' || again.type !== 'run') throw new Error('expected runs');
    expect(again.run.id).toBe(first.run.id);
    expect(first.run).toMatchObject({
      scenario: 'pitr-restore',
      incidentId: incident.id,
      threadTs: '1732600000.000200',
      params: { target: '2026-11-27T16:59:59Z' },
    });
    const steps = await f.store.runs.steps(first.run.id);
    expect(steps.find((s) => s.action === 'db.pitr.restore')?.params).toMatchObject({ target: '2026-11-27T16:59:59Z' });
    expect((await f.store.incidents.get(incident.id))?.status).toBe('acknowledged');
    // The fixture's host cannot read its window: the run stops there, and nothing was restored.
    const ended = await first.done;
    expect(ended.state).toBe('failed');
    const after = await f.store.runs.steps(first.run.id);
    expect(after.find((s) => s.action === 'db.pitr.restore')?.state).toBe('pending');
    expect(await pitrRuns()).toHaveLength(1);
  }, 120_000);
});
