import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuditAnchoring } from '@recio/bot/scheduler/audit-anchoring';
import { Signals } from '@recio/bot/signals';
import { openStore, readAnchors, type Store } from '@recio/bot/store/index';
import { testLogger } from '../support/test-logger.js';
import { createMachineDatabase } from './support/backends.js';
import { ownedTempDirSync } from '../support/leftovers.js';

/** When the running bot anchors the chain head: at start, and after a dangerous step (not after others). */
let db: Awaited<ReturnType<typeof createMachineDatabase>>;
let store: Store;
let dir: string;

beforeAll(async () => {
  db = await createMachineDatabase();
  store = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent-unused' });
  dir = ownedTempDirSync('anchoring');
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits (bounded) until the file holds `count` anchors; the writes are asynchronous by design. */
async function anchorsOnceThere(file: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const { anchors } = await readAnchors(file);
    if (anchors.length >= count) return anchors;
    await sleep(50);
  }
  throw new Error(`${file} never held ${count} anchors: ${readFileSync(file, 'utf8')}`);
}

describe('the running bot anchors the audit head', () => {
  it('at start and after db.restore or deploy.rollback finished, not after a restart', async () => {
    const file = join(dir, 'audit-anchors.jsonl');
    const signals = new Signals(testLogger);
    await store.audit.append({ actor: 'system', action: 'test.entry' });
    const stop = startAuditAnchoring({ store, signals, logger: testLogger, file }, 3_600_000);
    try {
      expect((await anchorsOnceThere(file, 1)).map((a) => a.reason)).toEqual(['start']);
      await store.audit.append({ actor: 'system', action: 'step.executed' });
      signals.emit('stepFinished', { host: 'app1', action: 'service.restart' }, 'ok', 'succeeded', 1);
      signals.emit('stepFinished', { host: 'db1', action: 'db.restore' }, 'ok', 'succeeded', 1);
      const anchors = await anchorsOnceThere(file, 2);
      expect(anchors.map((a) => [a.reason, a.id])).toEqual([
        ['start', 1],
        ['dangerous:db.restore', 2],
      ]);
    } finally {
      stop();
    }
  });
});
