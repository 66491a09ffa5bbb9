import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, verifyAuditChain } from '@recio/bot/store/index';
import { adminQuery, createMachineDatabase, makeTempDir } from './support/backends.js';
import { killAllFixtures, startFixture } from './support/child.js';
import { shippedMigrations } from './support/shipped-migrations.js';

interface Summary {
  executed: number;
  lost: number;
  lostWithHolder: number;
  deliveriesClaimed: number;
}

describe('two bot processes against one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createMachineDatabase>>;
  let dir: string;

  beforeAll(async () => {
    db = await createMachineDatabase();
    dir = makeTempDir();
  });
  afterAll(async () => {
    await killAllFixtures();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('executes each of the same 200 keyed requests exactly once, with 200 audit rows', async () => {
    const sideEffects = join(dir, 'executions.log');
    // A fresh database: the twins also race to apply the migrations.
    const env = { DATABASE_URL: db.url, SIDE_EFFECT_FILE: sideEffects, REQUESTS: '200' };
    const twins = [startFixture('replica-worker.ts', env), startFixture('replica-worker.ts', env)];
    await Promise.all(twins.map((t) => t.waitFor((m) => m.ready === true)));
    for (const twin of twins) twin.send('go');
    const summaries = await Promise.all(twins.map((t) => t.waitFor<Summary>((m) => m.done === true)));
    expect(await Promise.all(twins.map((t) => t.exited))).toEqual([0, 0]);

    const lines = readFileSync(sideEffects, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(new Set(lines.map((l) => l.split(' ')[0])).size).toBe(200);
    expect(summaries.reduce((n, s) => n + s.executed, 0)).toBe(200);
    // Every request was tried by both: one won, the other was told who held it or that it had run.
    expect(summaries.reduce((n, s) => n + s.lost, 0)).toBe(200);
    expect(summaries.reduce((n, s) => n + s.lostWithHolder, 0)).toBe(200);
    expect(summaries.reduce((n, s) => n + s.deliveriesClaimed, 0)).toBe(200);

    const [counts] = await adminQuery<{
      audit: string;
      targets: string;
      runs: string;
      succeeded: string;
      migrations: string;
    }>(
      db.url,
      `SELECT (SELECT count(*) FROM audit_log WHERE action = 'step.executed') AS audit,
              (SELECT count(DISTINCT target) FROM audit_log WHERE action = 'step.executed') AS targets,
              (SELECT count(*) FROM runs) AS runs,
              (SELECT count(*) FROM run_steps WHERE state = 'succeeded' AND attempt = 1) AS succeeded,
              (SELECT count(*) FROM schema_migrations) AS migrations`,
    );
    expect(counts).toEqual({
      audit: '200',
      targets: '200',
      runs: '200',
      succeeded: '200',
      migrations: String(shippedMigrations().length),
    });

    const store = await openStore({ databaseUrl: db.url, dataDir: dir });
    try {
      expect(await verifyAuditChain(store)).toMatchObject({ ok: true, checked: 200 });
    } finally {
      await store.close();
    }
  });
});
