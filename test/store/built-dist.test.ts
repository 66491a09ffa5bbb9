import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachineDatabase } from './support/backends.js';
import { shippedMigrations } from './support/shipped-migrations.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

// tsc does not copy .sql files. This compiles the store the way the build does (src → a dist-like
// folder with no migrations beside the JS) and runs it with plain node, as `recio migrate` would.
describe('the store compiled to JavaScript', () => {
  let out: string;
  let db: Awaited<ReturnType<typeof createMachineDatabase>>;

  beforeAll(async () => {
    mkdirSync(join(REPO, 'dist'), { recursive: true });
    out = mkdtempSync(join(REPO, 'dist', '.store-test-'));
    db = await createMachineDatabase();
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '--outDir', out, '--rootDir', join(REPO, 'src'), '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node', join(REPO, 'src', 'store', 'index.ts')], { cwd: REPO });
  });
  afterAll(async () => {
    if (out) rmSync(out, { recursive: true, force: true });
    await db?.drop();
  });

  it('finds its migrations from dist and applies them', async () => {
    writeFileSync(
      join(out, 'migrate.mjs'),
      `import { openStore, runMigrations } from './store/index.js';
       const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: '/nonexistent-unused', migrate: false });
       try { console.log(JSON.stringify(await runMigrations(store))); } finally { await store.close(); }`,
    );
    const { stdout } = await run(process.execPath, [join(out, 'migrate.mjs')], { env: { ...process.env, DATABASE_URL: db.url } });
    expect(JSON.parse(stdout)).toEqual({ applied: shippedMigrations(), alreadyApplied: 0, unknownInDatabase: [] });
  });
});
