import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALICE, CAROL, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { until } from '../support/monitor-fixture.js';

let f: EngineFixture;

beforeAll(async () => {
  f = await startEngineFixture();
});
afterAll(async () => {
  await f?.stop();
});

describe('the Recovery Verification Checklist (§3)', () => {
  test(
    'items tick live; a stalled feed is red with why, green once it writes again; ' +
      'the trades item needs a lead_operator',
    async () => {
      await f.recio.query("INSERT INTO kalshi_market_snapshots (market, yes_bid) VALUES ('KXBTC', 0.41)");
      // The BTC feed has stalled: its newest row is ten minutes old.
      await f.recio.query("INSERT INTO btc_price_log (ts, price) VALUES (now() - interval '10 minutes', 97000)");
      const answer = await f.ops.handle({ kind: 'checklist' }, await f.actor(ALICE), f.origin('check-1'));
      if (answer.type !== 'run') throw new Error('expected a run');
      const runId = answer.run.id;
      const byKey = async () =>
        Object.fromEntries((await f.store.runs.steps(runId)).map((s) => [s.title.split(' (')[0], s]));

      // Everything that can pass does, at once; the stalled feed is shown failing with its reason.
      await until('automated items green', async () => {
        const steps = await byKey();
        const green = [
          'DB restored and accessible',
          'Services running',
          'Market data flowing in',
          'Web UI responsive',
        ].every((t) => steps[t]?.state === 'succeeded');
        return green ? true : undefined;
      });
      const failing = await until('the BTC item red with why', async () =>
        (await f.store.timeline.list({ runId })).find(
          (e) => e.kind === 'check_failing' && e.text.startsWith('BTC price feed updating'),
        ),
      );
      expect(failing.text).toMatch(/btc_price: newest row \d+s old \(limit 60s\)/);
      expect((await byKey())['BTC price feed updating']?.state).toBe('running');

      await f.recio.query('INSERT INTO btc_price_log (price) VALUES (97100)');
      await until('the BTC item green', async () =>
        (await byKey())['BTC price feed updating']?.state === 'succeeded' ? true : undefined,
      );

      const trades = (await byKey())['Trades can be placed and confirmed']!;
      // The step waits for a person from the start; the run does once every other item is done
      // (the driver moves it when it next looks, just after the BTC item went green).
      await until('the trades item, and so the run, waiting for a person', async () =>
        (await f.store.steps.get(trades.id))?.state === 'awaiting_approval' &&
        (await f.store.runs.get(runId))?.state === 'awaiting_approval'
          ? true
          : undefined,
      );
      const architect = await f.ops.confirmStep(trades.id, await f.actor(CAROL), f.origin('check-carol'));
      expect(architect.type).toBe('denied');
      expect((await f.store.runs.get(runId))?.state).toBe('awaiting_approval');
      await f.ops.confirmStep(trades.id, await f.actor(ALICE), f.origin('check-alice'));
      const done = await until('the checklist green', async () => {
        const run = await f.store.runs.get(runId);
        return run?.state === 'succeeded' ? run : undefined;
      });
      expect(done.state).toBe('succeeded');
      expect((await f.store.runs.steps(runId)).every((s) => s.state === 'succeeded')).toBe(true);
    },
  );

  test('the web UI down: that item fails with why and the checklist is not green', async () => {
    f.web.status = 500;
    try {
      const answer = await f.ops.handle({ kind: 'checklist' }, await f.actor(ALICE), f.origin('check-2'));
      if (answer.type !== 'run') throw new Error('expected a run');
      const failing = await until('web red', async () =>
        (await f.store.timeline.list({ runId: answer.run.id })).find(
          (e) => e.kind === 'check_failing' && e.text.startsWith('Web UI responsive'),
        ),
      );
      expect(failing.text).toBe('Web UI responsive: web UI: 500');
      expect((await f.store.runs.get(answer.run.id))?.state).not.toBe('succeeded');
      await f.engine.cancel(answer.run.id, ALICE);
    } finally {
      f.web.status = 200;
    }
  });
});
