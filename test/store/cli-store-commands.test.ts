import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerStoreCommands } from '@recio/bot/cli/store-commands';
import { openStore } from '@recio/bot/store/index';
import { adminQuery, createMachineDatabase } from './support/backends.js';
import { shippedMigrations } from './support/shipped-migrations.js';

describe('recio migrate and recio audit verify', () => {
  let db: Awaited<ReturnType<typeof createMachineDatabase>>;

  beforeAll(async () => {
    db = await createMachineDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Runs one `recio …` command line against the test database, capturing what a person would see. */
  async function recio(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number | undefined }> {
    const out: string[] = [];
    const err: string[] = [];
    let exitCode: number | undefined;
    const program = new Command('recio').exitOverride();
    registerStoreCommands(program, {
      openStore: ({ migrate }) => openStore({ databaseUrl: db.url, dataDir: '/nonexistent-unused', migrate }),
      print: (line) => out.push(line),
      printError: (line) => err.push(line),
      setExitCode: (code) => (exitCode = code),
    });
    await program.parseAsync(['node', 'recio', ...args]);
    return { out, err, exitCode };
  }

  it('applies the migrations, then says it is up to date', async () => {
    const shipped = shippedMigrations();
    expect(await recio('migrate')).toEqual({
      out: shipped.map((name) => `applied ${name}`),
      err: [],
      exitCode: undefined,
    });
    expect(await recio('migrate')).toEqual({
      out: [`up to date (${shipped.length} migrations applied earlier)`],
      err: [],
      exitCode: undefined,
    });
  });

  it('verifies an intact chain, then names the first broken row and exits non-zero', async () => {
    const store = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent-unused' });
    try {
      for (let i = 0; i < 3; i++) await store.audit.append({ actor: 'cli:ops', action: 'test.entry', detail: { i } });
    } finally {
      await store.close();
    }
    const intact = await recio('audit', 'verify');
    expect(intact.exitCode).toBeUndefined();
    expect(intact.out[0]).toMatch(/^audit chain intact: 3 rows, head row 3 [0-9a-f]{64}$/);

    await adminQuery(
      db.url,
      `BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET actor = 'U0MALLORY' WHERE id = 2; ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT`,
    );
    const broken = await recio('audit', 'verify');
    expect(broken.exitCode).toBe(1);
    expect(broken.err).toEqual([
      'audit chain BROKEN at row 2: audit row 2 was changed after it was written (1 rows before it are intact)',
    ]);
    const json = await recio('audit', 'verify', '--json');
    expect(JSON.parse(json.out[0]!)).toMatchObject({ ok: false, brokenId: 2, reason: 'hash_mismatch' });
    expect(json.exitCode).toBe(1);
  });
});
