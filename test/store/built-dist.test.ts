import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachineDatabase } from './support/backends.js';
import { shippedMigrations } from './support/shipped-migrations.js';
import { ownedTempDirSync } from '../support/leftovers.js';

const run = promisify(execFile);
const BUILT_STORE = fileURLToPath(new URL('../../packages/bot/dist/store/index.js', import.meta.url));

// tsc copies no .sql files: the built store (npm test builds first) must find the package's
// migrations from dist/ and apply them with plain node, as `recio migrate` would.
describe('the store compiled to JavaScript', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof createMachineDatabase>>;

  beforeAll(async () => {
    dir = ownedTempDirSync('built-store');
    db = await createMachineDatabase();
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('finds its migrations from dist and applies them', async () => {
    writeFileSync(
      join(dir, 'migrate.mjs'),
      `import { openStore, runMigrations } from ${JSON.stringify(BUILT_STORE)};
       const store = await openStore({
         databaseUrl: process.env.DATABASE_URL, dataDir: '/nonexistent-unused', migrate: false,
       });
       try { console.log(JSON.stringify(await runMigrations(store))); } finally { await store.close(); }`,
    );
    const { stdout } = await run(process.execPath, [join(dir, 'migrate.mjs')], {
      env: { ...process.env, DATABASE_URL: db.url },
    });
    expect(JSON.parse(stdout)).toEqual({ applied: shippedMigrations(), alreadyApplied: 0, unknownInDatabase: [] });
  });
});
