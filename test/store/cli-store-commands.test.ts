import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerStoreCommands } from '@recio/bot/cli/store-commands';
import { anchorAuditHead, openStore } from '@recio/bot/store/index';
import { adminQuery, createMachineDatabase } from './support/backends.js';
import { shippedMigrations } from './support/shipped-migrations.js';
import { ownedTempDirSync } from '../support/leftovers.js';

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
      'BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; ' +
        "UPDATE audit_log SET actor = 'U0MALLORY' WHERE id = 2; ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT",
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

describe('recio audit verify against the anchors kept outside the database', () => {
  let db: Awaited<ReturnType<typeof createMachineDatabase>>;
  let dir: string;

  beforeAll(async () => {
    db = await createMachineDatabase();
    dir = ownedTempDirSync('anchors');
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function verify(anchors: string): Promise<{ out: string[]; err: string[]; exitCode: number | undefined }> {
    const out: string[] = [];
    const err: string[] = [];
    let exitCode: number | undefined;
    const program = new Command('recio').exitOverride();
    registerStoreCommands(program, {
      openStore: ({ migrate }) => openStore({ databaseUrl: db.url, dataDir: '/nonexistent-unused', migrate }),
      print: (line) => out.push(line),
      printError: (line) => err.push(line),
      setExitCode: (code) => (exitCode = code),
      anchorFile: () => anchors,
    });
    await program.parseAsync(['node', 'recio', 'audit', 'verify']);
    return { out, err, exitCode };
  }

  it(
    'names the rows cut from the tail by someone able to disable the trigger, ' + 'and a chain rebuilt after them',
    async () => {
      const file = join(dir, 'audit-anchors.jsonl');
      const store = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent-unused' });
      let anchoredAt = '';
      try {
        for (let i = 0; i < 3; i++) await store.audit.append({ actor: 'cli:ops', action: 'test.entry', detail: { i } });
        await anchorAuditHead(store, file, 'hourly');
        for (let i = 3; i < 6; i++)
          await store.audit.append({ actor: 'U0ALICE', action: 'approval.decided', detail: { i } });
        anchoredAt = (await anchorAuditHead(store, file, 'dangerous:db.restore'))!.at;
      } finally {
        await store.close();
      }
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const intact = await verify(file);
      expect(intact.out).toEqual([
        expect.stringMatching(/^audit chain intact: 6 rows, head row 6 /),
        `matches 2 anchors in ${file}`,
      ]);

      // The database's owner (here a superuser) hides what happened after row 4: the chain that is
      // left is a valid prefix, so only the anchor can show the cut.
      await adminQuery(
        db.url,
        'BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE id > 4; ' +
          'ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT',
      );
      const cut = await verify(file);
      expect(cut.exitCode).toBe(1);
      expect(cut.err).toEqual([
        `audit chain BROKEN at row 5: rows after 4 are gone; anchored head was 6 at ${anchoredAt} ` +
          '(dangerous:db.restore) (4 rows before it are intact)',
      ]);

      // Rows appended after the cut make a valid chain again; the anchored row 6 is still missing.
      const again = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent-unused' });
      try {
        for (let i = 0; i < 3; i++) await again.audit.append({ actor: 'system', action: 'test.filler', detail: { i } });
      } finally {
        await again.close();
      }
      const rebuilt = await verify(file);
      expect(rebuilt.exitCode).toBe(1);
      expect(rebuilt.err[0]).toMatch(/^audit chain BROKEN at row 6: row 6, anchored at .*, is gone from the chain/);
    },
  );
});
