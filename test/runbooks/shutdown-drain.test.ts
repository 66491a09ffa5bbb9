import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadRunbooks } from '@recio/bot/runbooks/loader';
import { planRun } from '@recio/bot/runbooks/plan';
import { ALICE, startEngineFixture, type EngineFixture } from '../support/engine-fixture.js';
import { until } from '../support/monitor-fixture.js';
import { ownedTempDir } from '../support/leftovers.js';

let f: EngineFixture;
let dir: string;

beforeAll(async () => {
  f = await startEngineFixture();
  dir = await ownedTempDir('drain');
  await writeFile(
    join(dir, 'two-steps.yml'),
    `id: two-steps
title: Two steps
steps:
  - { id: restart, title: Restart a crash-looping program, role: app, action: service.restart,
      params: { service: trade_manager, waitSeconds: 20 }, timeout: 40s }
  - { id: never, title: Never started, role: app, action: service.status }
`,
  );
});
afterAll(async () => {
  await f?.stop();
  await rm(dir, { recursive: true, force: true });
});

test(
  'shutdown: no new step starts; ' + 'a step still running at the deadline is marked interrupted, never success',
  async () => {
    const spec = loadRunbooks(dir).get('two-steps')!;
    await f.host.supervisor.setMode('trade_manager', 'crash');
    try {
      const { run } = await f.engine.start({
        scenario: 'two-steps',
        title: 'Two steps',
        steps: planRun(spec, {}, { withRole: () => ['db1'] }),
        requestedBy: ALICE,
        dedupeKey: 'drain-1',
      });
      const advancing = f.engine.advance(run.id, ALICE);
      await until('the restart running', async () =>
        (await f.store.runs.steps(run.id))[0]?.state === 'running' ? true : undefined,
      );
      const drained = await f.engine.drain(500);
      expect(drained).toEqual({ finished: false, interrupted: 1 });
      const [restart, never] = await f.store.runs.steps(run.id);
      expect(restart).toMatchObject({ state: 'interrupted', outcome: 'unknown' });
      expect((await f.store.runs.get(run.id))?.state).toBe('interrupted');
      await advancing;
      // The restart's late result does not overwrite the interruption, and nothing after it ran.
      expect((await f.store.steps.get(restart!.id))?.state).toBe('interrupted');
      expect((await f.store.steps.get(never!.id))?.state).toBe('pending');
    } finally {
      await f.host.supervisor.setMode('trade_manager', 'ok');
      await f.hosts.run('db1', { action: 'service.start', params: { service: 'trade_manager' } });
    }
  },
);
